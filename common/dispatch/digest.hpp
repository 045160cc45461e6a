// Digests: the template data and the row of one digest that replaces a user's notifications.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config/config.hpp"
#include "common/expected.hpp"
#include "common/model/notification.hpp"
#include "common/render/catalog.hpp"
#include "common/store/job_store.hpp"

namespace notify::dispatch {

// The template data of a digest: {name, period, count, items: [{title, body, url}]}. An item's
// title is its subject, else its title, else the first line of its body; url is data.url
// when the item's data has a string `url`.
nlohmann::json digest_data(const std::string& name, const std::string& period,
                           const std::vector<model::Notification>& items);

// The digest row replacing `items` (all of one user, channel, address and category): the
// digest's template rendered for their channel in `locale` ("" = default), due at `now`, with
// the most urgent priority of the items. Fails with the template's or the renderer's message.
Expected<store::NewNotification> render_digest(const render::Catalog& catalog,
                                               const config::DigestConfig& digest,
                                               const std::string& locale, const std::string& name,
                                               const std::vector<model::Notification>& items,
                                               TimePoint now);

} // namespace notify::dispatch
