#include "cni/kernel/nft_conditions.hpp"

#include <linux/netfilter/nf_tables.h>
#include <net/if.h>

#include <cctype>

#include "cni/base/error.hpp"

namespace cni::nft {

namespace {

// Splits on whitespace; '{', '}' and ',' are tokens of their own.
std::vector<std::string> tokenize(const std::vector<std::string>& parts) {
  std::vector<std::string> out;
  for (const auto& part : parts) {
    std::string cur;
    auto flush = [&] {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    };
    for (char c : part) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        flush();
      } else if (c == '{' || c == '}' || c == ',') {
        flush();
        out.emplace_back(1, c);
      } else {
        cur += c;
      }
    }
    flush();
  }
  return out;
}

class Parser {
 public:
  Parser(std::vector<std::string> tokens, int family, std::string key)
      : t_(std::move(tokens)), family_(family), key_(std::move(key)) {}

  std::vector<Condition> run() {
    std::vector<Condition> out;
    while (pos_ < t_.size()) out.push_back(one());
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    std::string near = pos_ < t_.size() ? " at \"" + t_[pos_] + "\"" : " at the end";
    throw Error(kInvalidNetworkConfig, "invalid " + key_ + ": " + why + near,
                "supported: ip|ip6 saddr|daddr [==|!=] CIDR|{ CIDR, ... }, [meta] iifname|oifname [==|!=] NAME");
  }
  const std::string& next(const std::string& expecting) {
    if (pos_ >= t_.size()) fail("expected " + expecting);
    return t_[pos_++];
  }
  bool take(const std::string& tok) {
    if (pos_ < t_.size() && t_[pos_] == tok) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool op() {
    if (take("!=")) return false;
    take("==");
    return true;
  }

  Cidr cidr(int fam) {
    const std::string& text = next("an address");
    std::optional<Cidr> c;
    if (text.find('/') != std::string::npos) {
      c = Cidr::parse(text);
    } else if (auto ip = IpAddr::parse(text)) {
      c = Cidr{*ip, ip->bits()};
    }
    --pos_;  // so a failure names this token
    if (!c) fail("not an address or CIDR");
    if (c->ip.family() != fam) fail(std::string("not an IPv") + (fam == 4 ? "4" : "6") + " address");
    ++pos_;
    return c->network();
  }

  Condition one() {
    Condition c{};
    const std::string& head = next("a condition");
    if (head == "ip" || head == "ip6") {
      const int fam = head == "ip" ? 4 : 6;
      if (fam != family_) {
        --pos_;
        fail(std::string("an ") + head + " match in conditions for IPv" + (family_ == 4 ? "4" : "6"));
      }
      const std::string& field = next("saddr or daddr");
      if (field == "saddr") c.field = Condition::Field::saddr;
      else if (field == "daddr") c.field = Condition::Field::daddr;
      else {
        --pos_;
        fail("expected saddr or daddr");
      }
      c.equal = op();
      if (take("{")) {
        if (c.equal) fail("a set of addresses needs != (one address with ==, or several conditions)");
        do c.cidrs.push_back(cidr(fam));
        while (take(","));
        if (!take("}")) fail("expected , or }");
      } else {
        c.cidrs.push_back(cidr(fam));
      }
      return c;
    }
    std::string field = head;
    if (field == "meta") field = next("iifname or oifname");
    if (field == "iifname" || field == "oifname") {
      c.field = field == "iifname" ? Condition::Field::iifname : Condition::Field::oifname;
      c.equal = op();
      std::string name = next("an interface name");
      if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
      if (!name.empty() && name.back() == '*') {
        c.prefix = true;
        name.pop_back();
      }
      if (name.empty() || name.size() >= IFNAMSIZ || name.find_first_of("\"/ ") != std::string::npos) {
        --pos_;
        fail("not an interface name");
      }
      c.ifname = name;
      return c;
    }
    --pos_;
    fail("unsupported condition");
  }

  std::vector<std::string> t_;
  size_t pos_ = 0;
  int family_;
  std::string key_;
};

}  // namespace

std::vector<Condition> parse_conditions(const std::vector<std::string>& tokens, int family, const std::string& key) {
  return Parser(tokenize(tokens), family, key).run();
}

void apply_conditions(Rule& rule, const std::vector<Condition>& conditions, int family) {
  const uint32_t saddr = family == 6 ? 8 : 12, daddr = family == 6 ? 24 : 16;
  for (const auto& c : conditions) {
    switch (c.field) {
      case Condition::Field::saddr:
      case Condition::Field::daddr:
        for (const auto& cidr : c.cidrs) {
          const uint32_t offset = c.field == Condition::Field::saddr ? saddr : daddr;
          const auto len = static_cast<uint32_t>(cidr.ip.size());
          if (cidr.prefix == cidr.ip.bits()) {
            rule.match_payload(NFT_PAYLOAD_NETWORK_HEADER, offset, cidr.ip.data(), len, c.equal);
          } else {
            IpAddr mask = IpAddr::parse(family == 6 ? "::" : "0.0.0.0")->last_in(0).masked(cidr.prefix);
            rule.match_payload(NFT_PAYLOAD_NETWORK_HEADER, offset, cidr.ip.data(), len, c.equal, mask.data());
          }
        }
        break;
      case Condition::Field::iifname:
      case Condition::Field::oifname:
        rule.match_ifname(c.field == Condition::Field::iifname, c.ifname, c.equal, c.prefix);
        break;
    }
  }
}

}  // namespace cni::nft
