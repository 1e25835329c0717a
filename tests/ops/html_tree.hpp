// A strict parser of the HTML extpack-report writes (well-formed, XHTML-style: every
// element closed or self-closed, quoted attributes), for tests that check the report's
// structure instead of searching its text. It rejects mismatched or unclosed tags, stray
// '<' and unknown entities, which a browser would silently repair.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "extpack/common/result.hpp"

namespace extpack::test {

struct HtmlNode {
  std::string tag;                          ///< lower-case element name; "" for a text node
  std::map<std::string, std::string> attrs; ///< values with entities decoded
  std::string text;                         ///< text nodes only, entities decoded
  std::vector<HtmlNode> children;

  [[nodiscard]] std::string attr(const std::string& name) const {
    auto it = attrs.find(name);
    return it == attrs.end() ? std::string() : it->second;
  }
  /// Concatenated text of this node and its descendants.
  [[nodiscard]] std::string text_content() const;
  /// Every descendant element (not this node) for which `pred` holds, in document order.
  [[nodiscard]] std::vector<const HtmlNode*>
  find_all(const std::function<bool(const HtmlNode&)>& pred) const;
  [[nodiscard]] std::vector<const HtmlNode*> by_tag(std::string_view tag) const;
  /// The descendant with id `id`, or nullptr.
  [[nodiscard]] const HtmlNode* by_id(std::string_view id) const;
};

/// The document as a tree under a root node with an empty tag. The error names the line.
Result<HtmlNode> parse_html(std::string_view html);

} // namespace extpack::test
