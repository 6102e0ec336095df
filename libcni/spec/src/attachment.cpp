#include "cni/spec/attachment.hpp"

#include <algorithm>

#include "cni/base/encoding.hpp"

namespace cni {

namespace {
std::string without_quotes(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return s;
}
}  // namespace

std::string network_tag(const std::string& network) { return sha512_hex(network).substr(0, 16); }

std::string attachment_tag(const Attachment& a) {
  return network_tag(a.network) + "-" + sha512_hex(a.ifname + ":" + a.container_id).substr(0, 16);
}

std::string attachment_comment(const Attachment& a, std::string_view detail) {
  auto c = attachment_tag(a);
  c += detail;
  c += ", net: " + without_quotes(a.network) + ", if: " + without_quotes(a.ifname) +
       ", id: " + without_quotes(a.container_id);
  if (c.size() > kRuleCommentMax) c.resize(kRuleCommentMax);
  return c;
}

bool comment_has_tag(std::string_view comment, std::string_view tag) {
  if (!comment.starts_with(tag)) return false;
  // The tag is a fixed-length prefix; what follows is the detail or the human part.
  return comment.size() == tag.size() || comment[tag.size()] == ' ' || comment[tag.size()] == ',';
}

std::string_view comment_detail(std::string_view comment, std::string_view tag) {
  if (!comment_has_tag(comment, tag)) return {};
  auto rest = comment.substr(tag.size());
  return rest.substr(0, rest.find(','));
}

}  // namespace cni
