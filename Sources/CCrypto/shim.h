/* OpenSSL's libcrypto, for SHA-256 of input files (it uses the CPU's SHA extensions). */
#include <openssl/evp.h>
