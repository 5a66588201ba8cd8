#!/usr/bin/env python3
"""Mints an access token for amsrtc-server started with --token-secret
(PROTOCOL.md §12.9): an HS256 JWT with the claims the server checks.

    examples/mint_token.py SECRET --stream-id cam1 --type publish [--ttl 3600]
    examples/mint_token.py SECRET --room conf1 --type play

Pass the printed token as `token` in publish/play/join/joinRoom (the
elements' `token` property; the SDK's publish(streamId, token) argument).
Python's standard library only."""
import argparse
import base64
import hashlib
import hmac
import json
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret: str, claims: dict) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("secret", help="the server's --token-secret")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stream-id", help="for publish, play and join")
    target.add_argument("--room", help="for joinRoom")
    parser.add_argument("--type", choices=["publish", "play"], required=True,
                        help="publish (also join mode both) or play (also join mode play)")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    args = parser.parse_args()
    claims = {"streamId": args.stream_id} if args.stream_id else {"room": args.room}
    claims["type"] = args.type
    claims["exp"] = int(time.time()) + args.ttl
    print(mint(args.secret, claims))


if __name__ == "__main__":
    main()
