// Compiled into every test and benchmark program that runs webrtcbin in its
// own process (tests/meson.build: no_openssl_atexit_dep).
//
// OpenSSL, which webrtcbin's DTLS uses, frees its global state from an atexit
// handler. GStreamer's pooled streaming threads are never joined, and one
// that ends its idle wait while the process exits runs OpenSSL's per-thread
// cleanup against state that handler is freeing: a rare SIGSEGV after every
// test passed (amsrtc-server had it too; see its main.cpp). Turning the
// cleanup off before anything else touches OpenSSL removes the race.
#include <openssl/crypto.h>

namespace {

const bool openssl_exit_cleanup_disabled = [] {
  return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;
}();

}  // namespace
