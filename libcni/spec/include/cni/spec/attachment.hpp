// One attachment (network, container ID, ifname) and the one way every kernel object we
// create for it is tagged: masquerade rules, port mappings, and whatever comes next. DEL and
// GC find their state again by this tag, never by an address read back from the container or
// by what the runtime happens to pass on DEL.
#pragma once

#include <string>
#include <string_view>

namespace cni {

struct Attachment {
  std::string network, container_id, ifname;
};

// sha512(network)[:16]: every tag of a network starts with it, so GC can select one
// network's objects.
std::string network_tag(const std::string& network);
// network_tag "-" sha512(ifname ":" containerID)[:16]: the reference's masquerade comment
// prefix (pkg/ip/ipmasq_nftables_linux.go), so our masquerade rules read like theirs.
std::string attachment_tag(const Attachment& a);

// nftables comments are at most this long (the nft tool refuses longer ones; knftables cuts
// there too).
inline constexpr size_t kRuleCommentMax = 128;
// `<tag><detail>, net: N, if: I, id: C` cut at kRuleCommentMax: machine-readable up to
// the detail (which must not contain ','), readable by an operator in `nft list ruleset`
// after it. Quotes are dropped from the human part (they would need escaping in nft).
std::string attachment_comment(const Attachment& a, std::string_view detail = {});

// Whether `comment` was made by attachment_comment for this exact tag.
bool comment_has_tag(std::string_view comment, std::string_view tag);
// Its detail (text between the tag and the first ','); empty when the tag does not match.
std::string_view comment_detail(std::string_view comment, std::string_view tag);

}  // namespace cni
