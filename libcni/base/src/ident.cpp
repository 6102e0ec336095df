#include "cni/base/ident.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "cni/base/fs.hpp"
#include "cnipp_source_hash.h"

namespace cni {

namespace {

constexpr const char* kSection = ".cnipp.ident";
constexpr size_t kMaxIdent = 256;         // the line is ~60 bytes
constexpr size_t kMaxSections = 4096;     // real binaries have ~40
constexpr size_t kMaxNames = 64 * 1024;   // .shstrtab

bool read_at(int fd, void* buf, size_t len, uint64_t off) {
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t n = ::pread(fd, p, len, static_cast<off_t>(off));
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
    off += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

std::string ident_of(std::string_view binary) {
  return "cnipp " + std::string(binary) + " " + CNIPP_VERSION + " " + CNIPP_SOURCE_HASH;
}

// Four bounded preads (header, section table, section names, the section): tens of
// microseconds against the milliseconds of an exec.
std::optional<std::string> read_ident(const std::string& path) {
  UniqueFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f) return std::nullopt;
  Elf64_Ehdr eh;
  if (!read_at(f.get(), &eh, sizeof eh, 0)) return std::nullopt;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > kMaxSections ||
      eh.e_shstrndx >= eh.e_shnum)
    return std::nullopt;
  std::vector<Elf64_Shdr> sh(eh.e_shnum);
  if (!read_at(f.get(), sh.data(), sh.size() * sizeof(Elf64_Shdr), eh.e_shoff)) return std::nullopt;
  const auto& names_hdr = sh[eh.e_shstrndx];
  if (names_hdr.sh_size == 0 || names_hdr.sh_size > kMaxNames) return std::nullopt;
  std::string names(names_hdr.sh_size, '\0');
  if (!read_at(f.get(), names.data(), names.size(), names_hdr.sh_offset)) return std::nullopt;
  for (const auto& s : sh) {
    if (s.sh_name >= names.size() || std::strcmp(names.c_str() + s.sh_name, kSection) != 0) continue;
    if (s.sh_type != SHT_PROGBITS || s.sh_size == 0 || s.sh_size > kMaxIdent) return std::nullopt;
    std::string text(s.sh_size, '\0');
    if (!read_at(f.get(), text.data(), text.size(), s.sh_offset)) return std::nullopt;
    text.resize(std::strlen(text.c_str()));  // the section holds one NUL-terminated line
    return text;
  }
  return std::nullopt;
}

}  // namespace cni
