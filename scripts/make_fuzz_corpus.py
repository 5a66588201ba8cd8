#!/usr/bin/env python3
"""Builds the seed corpus for tests/fuzz/decode_fuzzer: every message the real
SDK sent in the capture files ("-> {json}" lines), one file each, plus a few
server-to-client messages the captures do not contain.

    make_fuzz_corpus.py FIXTURES_DIR CORPUS_DIR"""
import pathlib
import sys

SERVER_MESSAGES = [
    '{"command":"start","streamId":"s1"}',
    '{"command":"takeConfiguration","streamId":"s1","type":"offer","sdp":"v=0\\r\\n","idMapping":{"0":"ARDAMSvs1"}}',
    '{"command":"takeCandidate","streamId":"s1","label":"0","id":"0","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}',
    '{"command":"notification","definition":"joinedTheRoom","streamId":"me","streams":["a"],"streamList":[{"streamId":"a"}],"ATTR_ROOM_NAME":"r","room":"r","maxTrackCount":6}',
    '{"command":"roomInformation","streams":["a"],"room":"r"}',
    '{"command":"error","definition":"no_stream_exist","streamId":"x","error_code":"404"}',
    '{"command":"streamInformation","streamId":"s","streamInfo":[{"streamWidth":640,"streamHeight":480,"videoBitrate":1,"audioBitrate":2,"videoCodec":"VP8"}]}',
    '{"command":"iceServerConfig","stunServerUri":"turn:h","turnServerUsername":"u","turnServerCredential":"p"}',
    '{"command":"pong"}',
]

fixtures, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
corpus.mkdir(parents=True, exist_ok=True)
seeds = list(SERVER_MESSAGES)
for capture in sorted(fixtures.glob("*.txt")):
    for line in capture.read_text().splitlines():
        arrow = line.find("-> {")
        if arrow >= 0:
            seeds.append(line[arrow + 3:])
for index, seed in enumerate(dict.fromkeys(seeds)):
    (corpus / f"seed-{index:03d}.json").write_text(seed)
print(f"fuzz corpus: {len(dict.fromkeys(seeds))} seeds in {corpus}")
