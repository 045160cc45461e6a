// kainjow/mustache behind render_text(): data conversion, escaping, partials.
#include "common/render/mustache_render.hpp"

#include <map>

#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>

#include "common/render/track_marker.hpp"

namespace notify::render {

namespace mstch = kainjow::mustache;

namespace {

mstch::data to_data(const nlohmann::json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::object: {
        mstch::data object{mstch::data::type::object};
        for (const auto& [key, value] : j.items()) {
            object.set(key, to_data(value));
        }
        return object;
    }
    case nlohmann::json::value_t::array: {
        mstch::data list{mstch::data::type::list};
        for (const auto& item : j) {
            list.push_back(to_data(item));
        }
        return list;
    }
    case nlohmann::json::value_t::string:
        return mstch::data{j.get<std::string>()};
    case nlohmann::json::value_t::boolean:
        return mstch::data{j.get<bool>() ? mstch::data::type::bool_true
                                         : mstch::data::type::bool_false};
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
        return mstch::data{mstch::data::type::bool_false};
    default: // numbers
        return mstch::data{j.dump()};
    }
}

// The library's context, with partials from notify's lookup instead of from the data (so a
// data key never doubles as a partial).
class Context final : public mstch::context<std::string> {
  public:
    Context(const mstch::data* data, const PartialLookup& partials)
        : mstch::context<std::string>(data), m_partials(partials) {}

    const mstch::data* get_partial(const std::string& name) const override {
        auto it = m_cache.find(name);
        if (it == m_cache.end()) {
            std::optional<std::string> text = m_partials ? m_partials(name) : std::nullopt;
            if (!text) {
                return nullptr;
            }
            it = m_cache.emplace(name, mstch::data{*text}).first;
        }
        return &it->second;
    }

  private:
    const PartialLookup& m_partials;
    mutable std::map<std::string, mstch::data> m_cache; // node addresses are stable
};

std::string identity(const std::string& s) {
    return s;
}

std::string json_escape_string(const std::string& s) {
    return json_escape(s);
}

} // namespace

std::string json_escape(std::string_view text) {
    std::string quoted = nlohmann::json(std::string(text))
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

Expected<std::string> render_text(std::string_view text, const nlohmann::json& data, Escape escape,
                                  const PartialLookup& partials) {
    mstch::mustache tmpl{std::string(text)};
    if (!tmpl.is_valid()) {
        return Unexpected{tmpl.error_message()};
    }
    switch (escape) {
    case Escape::none:
        tmpl.set_custom_escape(identity);
        break;
    case Escape::json:
        tmpl.set_custom_escape(json_escape_string);
        break;
    case Escape::html:
        break; // the library's default
    }
    mstch::data root = to_data(data.is_object() ? data : nlohmann::json::object());
    // {{#track}}url{{/track}}: the URL rendered (escaping undone), kept as a marker the
    // dispatcher turns into a signed tracking link.
    root.set(std::string(k_track_section),
             mstch::lambda2{[escape](const std::string& text, const mstch::renderer& render) {
                 const std::string url = render(text);
                 switch (escape) {
                 case Escape::html:
                     return track_marker(unescape_html(url));
                 case Escape::json:
                     return track_marker(unescape_json(url));
                 case Escape::none:
                     break;
                 }
                 return track_marker(url);
             }});
    Context ctx(&root, partials);
    std::string out = tmpl.render(ctx);
    if (!tmpl.is_valid()) {
        return Unexpected{tmpl.error_message()};
    }
    return out;
}

} // namespace notify::render
