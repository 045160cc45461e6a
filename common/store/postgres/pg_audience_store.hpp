// The PostgreSQL implementation of AudienceStore, sharing the job store's connection.
#pragma once

#include "common/store/audience_store.hpp"
#include "common/store/postgres/pg_connection.hpp"

namespace notify::store::pg {

class PgAudienceStore final : public AudienceStore {
  public:
    // `conn` must reach a migrated store and outlive this object.
    explicit PgAudienceStore(Connection& conn) : m_conn(conn) {}

    bool add_user(const model::User& user, TimePoint now) override;
    bool update_user(const model::User& user, TimePoint now) override;
    std::optional<model::User> find_user(const std::string& id) override;
    std::vector<model::User> list_users(int limit) override;
    std::optional<RemovedUser> remove_user(const std::string& id, TimePoint now) override;
    std::optional<model::UserProfile> profile(const std::string& id) override;
    std::optional<std::int64_t> add_device(const model::Device& device, TimePoint now) override;
    std::vector<model::Device> list_devices(const std::optional<std::string>& user) override;
    bool remove_device(std::int64_t id) override;
    int invalidate_token(const std::string& token, const std::string& reason,
                         TimePoint now) override;
    bool set_preference(const std::string& user, const model::Preference& preference,
                        TimePoint now) override;
    bool clear_preference(const std::string& user, const std::string& channel,
                          const std::string& category) override;
    bool set_quiet_hours(const std::string& user, const std::optional<model::QuietHours>& quiet,
                         TimePoint now) override;
    int opt_out_address(const std::string& address, const std::string& channel,
                        TimePoint now) override;

  private:
    Connection& m_conn;
};

} // namespace notify::store::pg
