// The one error type of cnipp: a CNI error with the spec's well-known codes.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace cni {

// Well-known codes from the CNI spec (SPEC.md "Error" section) plus the
// reference's own 8 (invalid netns) and 999 (internal).
enum Code : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodingFailure = 6,
  kInvalidNetworkConfig = 7,
  kInvalidNetns = 8,
  kTryAgainLater = 11,
  kPluginNotAvailable = 50,
  kPluginNotAvailableLimitedConnectivity = 51,
  kInternal = 999,
};

class Error : public std::runtime_error {
 public:
  Error(int code, std::string msg, std::string details = {})
      : std::runtime_error(msg), code_(code), msg_(std::move(msg)), details_(std::move(details)) {}

  int code() const { return code_; }
  const std::string& msg() const { return msg_; }
  const std::string& details() const { return details_; }

  // Returns a copy whose message is prefixed with what was being done,
  // e.g. Error::wrap("failed to set up veth", e).
  Error prefixed(const std::string& context) const {
    return Error(code_, context + ": " + msg_, details_);
  }

  // The spec's error JSON; cniVersion is left out when empty (as the reference does).
  nlohmann::json to_json(const std::string& cni_version = {}) const;
  static Error from_json(const nlohmann::json& j);

 private:
  int code_;
  std::string msg_;
  std::string details_;
};

// An I/O failure from a syscall: code 5 with strerror(errno_value) in the message.
Error io_error(const std::string& what, int errno_value);

}  // namespace cni
