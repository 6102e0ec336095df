// Compiled into every cnipp binary (cnipp_plugin in the top CMakeLists.txt, which defines
// CNIPP_BINARY_NAME): the ident line read by cni::read_ident. "retain" keeps the section
// through --gc-sections although no code refers to it.
#include "cnipp_source_hash.h"

extern "C" {
__attribute__((used, retain, section(".cnipp.ident"))) const char cnipp_ident[] =
    "cnipp " CNIPP_BINARY_NAME " " CNIPP_VERSION " " CNIPP_SOURCE_HASH;
}
