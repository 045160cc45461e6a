// Digest rows: template data from the merged notifications, rendered for their channel.
#include "common/dispatch/digest.hpp"

#include <algorithm>

#include "common/audience/digest_slot.hpp"
#include "common/render/message_render.hpp"

namespace notify::dispatch {

namespace {

std::string item_title(const model::Notification& n) {
    if (n.subject && !n.subject->empty()) {
        return *n.subject;
    }
    if (n.title && !n.title->empty()) {
        return *n.title;
    }
    const std::string body = n.body.value_or("");
    return body.substr(0, body.find('\n'));
}

} // namespace

nlohmann::json digest_data(const std::string& name, const std::string& period,
                           const std::vector<model::Notification>& items) {
    nlohmann::json list = nlohmann::json::array();
    for (const model::Notification& n : items) {
        nlohmann::json item = {{"title", item_title(n)}, {"body", n.body.value_or("")}};
        auto data = nlohmann::json::parse(n.data_json, nullptr, false);
        if (data.is_object() && data.contains("url") && data["url"].is_string()) {
            item["url"] = data["url"];
        }
        list.push_back(std::move(item));
    }
    return {{"name", name},
            {"period", period},
            {"count", static_cast<std::int64_t>(items.size())},
            {"items", std::move(list)}};
}

Expected<store::NewNotification> render_digest(const render::Catalog& catalog,
                                               const config::DigestConfig& digest,
                                               const std::string& locale, const std::string& name,
                                               const std::vector<model::Notification>& items,
                                               TimePoint now) {
    if (items.empty()) {
        return Unexpected{"a digest needs at least one notification"};
    }
    const model::Notification& first = items.front();
    auto tmpl = catalog.load(digest.template_name, locale);
    if (!tmpl) {
        return Unexpected{tmpl.error()};
    }
    auto rendered = render::render_for_channel(
        *tmpl, first.channel, digest_data(name, audience::digest_period(digest), items),
        catalog.partials(tmpl->locale));
    if (!rendered) {
        return Unexpected{rendered.error()};
    }
    store::NewNotification row;
    row.channel = first.channel;
    row.to = first.to;
    row.user = first.user;
    row.category = first.category;
    row.template_name = digest.template_name;
    row.priority = first.priority;
    for (const model::Notification& n : items) {
        row.priority = std::min(row.priority, n.priority);
    }
    row.subject = rendered->subject;
    row.title = rendered->title;
    row.body = rendered->body;
    row.data_json = rendered->data_json;
    row.due_at = now;
    return row;
}

} // namespace notify::dispatch
