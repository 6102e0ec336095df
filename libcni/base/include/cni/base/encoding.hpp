// Byte encodings the runtime side needs: SHA-512 (cnitool derives container IDs from a
// netns path with it) and standard padded base64 (Go's encoding of []byte in JSON, used
// by libcni's cache files for the raw conflist bytes).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cni {

std::array<uint8_t, 64> sha512(std::string_view data);
std::string sha512_hex(std::string_view data);  // 128 lowercase hex characters

std::string base64_encode(std::string_view data);
// Accepts only the padded standard alphabet, as Go's base64.StdEncoding does; anything
// else is Error(kDecodingFailure).
std::string base64_decode(std::string_view text);

}  // namespace cni
