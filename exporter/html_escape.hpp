#pragma once
// Text made safe inside HTML text and quoted attributes, as Go's
// html.EscapeString: & < > " ' become &amp; &lt; &gt; &#34; &#39;.

#include <string>
#include <string_view>

namespace flowgate::exporter {

std::string html_escape(std::string_view text);

}  // namespace flowgate::exporter
