// Unit tests of common/text/store_url.cpp: PostgreSQL URLs told from paths, and passwords
// masked wherever libpq's URLs may hold one.
#include <gtest/gtest.h>

#include "common/text/store_url.hpp"

namespace notify::text {
namespace {

TEST(StoreUrl, PostgresUrlsAreToldFromPaths) {
    EXPECT_TRUE(is_postgres_url("postgresql://db/notify"));
    EXPECT_TRUE(is_postgres_url("postgres://notify@db:5432/notify?sslmode=require"));
    EXPECT_FALSE(is_postgres_url("/var/lib/notify/notify.db"));
    EXPECT_FALSE(is_postgres_url("notify.db"));
    EXPECT_FALSE(is_postgres_url("PostgreSQL://db/notify")); // libpq takes the scheme as written
    EXPECT_FALSE(is_postgres_url("mysql://db/notify"));
    EXPECT_FALSE(is_postgres_url(""));
}

TEST(StoreUrl, ThePasswordOfTheAuthorityIsMasked) {
    EXPECT_EQ(mask_url_password("postgresql://notify:s3cret@db:5432/notify"),
              "postgresql://notify:***@db:5432/notify");
    // An '@' in a password that was not percent-encoded: up to the authority's last '@'.
    EXPECT_EQ(mask_url_password("postgresql://notify:a@b@db/notify"),
              "postgresql://notify:***@db/notify");
    EXPECT_EQ(mask_url_password("postgresql://notify:pw@db?sslmode=require"),
              "postgresql://notify:***@db?sslmode=require");
    EXPECT_EQ(mask_url_password("smtps://ops:pw@relay.example.com"),
              "smtps://ops:***@relay.example.com");
}

TEST(StoreUrl, PasswordParametersAreMasked) {
    EXPECT_EQ(mask_url_password("postgresql://db/notify?password=s3cret"),
              "postgresql://db/notify?password=***");
    EXPECT_EQ(mask_url_password("postgresql://db/notify?user=n&password=s3cret&sslmode=require"),
              "postgresql://db/notify?user=n&password=***&sslmode=require");
    EXPECT_EQ(mask_url_password("postgresql://db/notify?sslpassword=key-pw&password=pw"),
              "postgresql://db/notify?sslpassword=***&password=***");
    // Other parameters are left alone, even when they end in "password".
    EXPECT_EQ(mask_url_password("postgresql://db/notify?passfile=/etc/notify/pgpass"),
              "postgresql://db/notify?passfile=/etc/notify/pgpass");
    EXPECT_EQ(mask_url_password("postgresql://db/notify?xpassword=1"),
              "postgresql://db/notify?xpassword=1");
}

TEST(StoreUrl, UrlsWithoutAPasswordAreUnchanged) {
    for (const char* url :
         {"postgresql://notify@db/notify", "postgresql://db:5432/notify?sslmode=verify-full",
          "postgresql:///notify?host=/run/postgresql", "https://hooks.example.com/x?token=t",
          "/var/lib/notify/notify.db", "", "postgresql://"}) {
        EXPECT_EQ(mask_url_password(url), url);
        EXPECT_FALSE(url_has_password(url)) << url;
    }
    EXPECT_TRUE(url_has_password("postgresql://notify:pw@db/notify"));
    EXPECT_TRUE(url_has_password("postgresql://db/notify?password=pw"));
}

} // namespace
} // namespace notify::text
