// The strict HTML parser for report tests; see html_tree.hpp.
#include "html_tree.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace extpack::test {

namespace {

const std::set<std::string, std::less<>> kVoid = {"br", "hr", "img", "input", "link", "meta"};
const std::set<std::string, std::less<>> kRawText = {"script", "style"};

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':';
}

Result<std::string> decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) return make_error("'&' without ';'");
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "#39")
      out += '\'';
    else
      return make_error("unknown entity &{};", ent);
    i = semi;
  }
  return out;
}

class Parser {
public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<HtmlNode> run() {
    HtmlNode root;
    std::vector<HtmlNode*> stack{&root};
    while (i_ < s_.size()) {
      if (s_[i_] != '<') {
        auto end = s_.find('<', i_);
        if (end == std::string_view::npos) end = s_.size();
        auto text = decode(s_.substr(i_, end - i_));
        if (!text) return fail(text.error().message);
        if (!text->empty()) stack.back()->children.push_back(HtmlNode{"", {}, *text, {}});
        i_ = end;
        continue;
      }
      if (s_.substr(i_, 4) == "<!--") {
        auto end = s_.find("-->", i_);
        if (end == std::string_view::npos) return fail("unclosed comment");
        i_ = end + 3;
        continue;
      }
      if (s_.substr(i_, 2) == "<!") {
        if (stack.size() != 1 || !root.children.empty()) return fail("<! not at the start");
        i_ = s_.find('>', i_) + 1;
        continue;
      }
      if (s_.substr(i_, 2) == "</") {
        i_ += 2;
        std::string name = read_name();
        if (name.empty() || peek() != '>') return fail("bad closing tag");
        ++i_;
        if (stack.size() == 1) return fail("</" + name + "> closes nothing");
        if (stack.back()->tag != name) {
          return fail("</" + name + "> closes <" + stack.back()->tag + ">");
        }
        stack.pop_back();
        continue;
      }
      ++i_;
      HtmlNode node;
      node.tag = read_name();
      if (node.tag.empty()) return fail("'<' that starts no tag");
      bool self_closed = false;
      while (true) {
        skip_space();
        if (peek() == '>') {
          ++i_;
          break;
        }
        if (s_.substr(i_, 2) == "/>") {
          i_ += 2;
          self_closed = true;
          break;
        }
        std::string attr = read_name();
        if (attr.empty()) return fail("bad attribute in <" + node.tag + ">");
        std::string value;
        if (peek() == '=') {
          ++i_;
          char q = peek();
          if (q != '"' && q != '\'') return fail("unquoted value of " + attr);
          auto end = s_.find(q, i_ + 1);
          if (end == std::string_view::npos) return fail("unclosed value of " + attr);
          auto v = decode(s_.substr(i_ + 1, end - i_ - 1));
          if (!v) return fail(v.error().message);
          value = *v;
          i_ = end + 1;
        }
        if (!node.attrs.emplace(attr, value).second) return fail("attribute " + attr + " twice");
      }
      const std::string tag = node.tag;
      stack.back()->children.push_back(std::move(node));
      if (self_closed || kVoid.count(tag) != 0) continue;
      if (kRawText.count(tag) != 0) {
        auto end = s_.find("</" + tag + ">", i_);
        if (end == std::string_view::npos) return fail("unclosed <" + tag + ">");
        stack.back()->children.back().children.push_back(
            HtmlNode{"", {}, std::string(s_.substr(i_, end - i_)), {}});
        i_ = end + tag.size() + 3;
        continue;
      }
      stack.push_back(&stack.back()->children.back());
    }
    if (stack.size() != 1) return fail("unclosed <" + stack.back()->tag + "> at the end");
    return root;
  }

private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }
  std::string read_name() {
    std::size_t start = i_;
    while (i_ < s_.size() && name_char(s_[i_]))
      ++i_;
    std::string n(s_.substr(start, i_ - start));
    std::transform(n.begin(), n.end(), n.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    return n;
  }
  Error fail(const std::string& what) const {
    auto line =
        1 + std::count(s_.begin(), s_.begin() + static_cast<long>(std::min(i_, s_.size())), '\n');
    return make_error("line {}: {}", line, what);
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

void collect(const HtmlNode& n, const std::function<bool(const HtmlNode&)>& pred,
             std::vector<const HtmlNode*>& out) {
  for (const auto& c : n.children) {
    if (!c.tag.empty() && pred(c)) out.push_back(&c);
    collect(c, pred, out);
  }
}

} // namespace

std::string HtmlNode::text_content() const {
  if (tag.empty()) return text;
  std::string out;
  for (const auto& c : children)
    out += c.text_content();
  return out;
}

std::vector<const HtmlNode*>
HtmlNode::find_all(const std::function<bool(const HtmlNode&)>& pred) const {
  std::vector<const HtmlNode*> out;
  collect(*this, pred, out);
  return out;
}

std::vector<const HtmlNode*> HtmlNode::by_tag(std::string_view t) const {
  return find_all([t](const HtmlNode& n) { return n.tag == t; });
}

const HtmlNode* HtmlNode::by_id(std::string_view id) const {
  auto all = find_all([id](const HtmlNode& n) { return n.attr("id") == id; });
  return all.empty() ? nullptr : all.front();
}

Result<HtmlNode> parse_html(std::string_view html) {
  return Parser(html).run();
}

} // namespace extpack::test
