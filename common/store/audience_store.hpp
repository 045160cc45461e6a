// The audience part of the store: users, devices, preferences and quiet hours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/model/audience.hpp"
#include "common/schedule/clock.hpp"

namespace notify::store {

struct RemovedUser {
    int devices = 0;    // devices deleted
    int suppressed = 0; // unfinished notifications suppressed ("user removed")
    int anonymised = 0; // notifications whose recipient and user were blanked
};

class AudienceStore {
  public:
    virtual ~AudienceStore() = default;

    // Adds `user`; false (nothing written) if the id is taken.
    virtual bool add_user(const model::User& user, TimePoint now) = 0;
    // Replaces the fields of an existing user; false if there is none.
    virtual bool update_user(const model::User& user, TimePoint now) = 0;
    virtual std::optional<model::User> find_user(const std::string& id) = 0;
    // Users by id; `limit` 0 means all.
    virtual std::vector<model::User> list_users(int limit) = 0;
    // Deletes the user with their devices, preferences and quiet hours in one transaction.
    // Their notification history stays, anonymised: recipient "(removed)", user null; rows not
    // yet finished are suppressed with reason "user removed". nullopt if there is no such user.
    virtual std::optional<RemovedUser> remove_user(const std::string& id, TimePoint now) = 0;

    // The user with devices, preferences and quiet hours; nullopt if there is no such user.
    virtual std::optional<model::UserProfile> profile(const std::string& id) = 0;

    // Registers a device. The same platform and token registered again moves it to this user
    // and clears an invalidation (the app re-registered it). Returns the device id, or nullopt
    // if the user does not exist.
    virtual std::optional<std::int64_t> add_device(const model::Device& device, TimePoint now) = 0;
    // Devices of `user` (or every device), by id.
    virtual std::vector<model::Device> list_devices(const std::optional<std::string>& user) = 0;
    // False if there is no such device.
    virtual bool remove_device(std::int64_t id) = 0;
    // Marks every valid device with this token invalid (a provider said it is gone). Returns
    // how many were marked.
    virtual int invalidate_token(const std::string& token, const std::string& reason,
                                 TimePoint now) = 0;

    // Sets one preference (channel and category may be model::k_any). False if no such user.
    virtual bool set_preference(const std::string& user, const model::Preference& preference,
                                TimePoint now) = 0;
    // Removes one preference; false if it was not set.
    virtual bool clear_preference(const std::string& user, const std::string& channel,
                                  const std::string& category) = 0;
    // Sets or clears (nullopt) quiet hours. False if no such user.
    virtual bool set_quiet_hours(const std::string& user,
                                 const std::optional<model::QuietHours>& quiet, TimePoint now) = 0;
    // Records an opt-out reported by a provider (SMS STOP) for the users with this phone or
    // e-mail address, on `channel` for every category. Returns how many users it applied to.
    virtual int opt_out_address(const std::string& address, const std::string& channel,
                                TimePoint now) = 0;
};

} // namespace notify::store
