/* zlib, imported privately by FMCCapture (and later FMCTrace) for gzip input. */
#include <zlib.h>
