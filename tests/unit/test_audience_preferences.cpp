// Unit tests of common/audience/preferences.cpp: resolution order, critical categories,
// invalid devices, quiet hours across midnight and DST changes.
#include <gtest/gtest.h>

#include "common/audience/preferences.hpp"
#include "common/config/config.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::audience {
namespace {

using model::Preference;

TimePoint at(const char* rfc3339) {
    auto t = schedule::parse_time(rfc3339);
    EXPECT_TRUE(t) << rfc3339;
    return *t;
}

Preference pref(std::string channel, std::string category, bool in) {
    Preference p;
    p.channel = std::move(channel);
    p.category = std::move(category);
    p.opted_in = in;
    return p;
}

model::UserProfile alice(std::vector<Preference> prefs = {}) {
    model::UserProfile p;
    p.user.id = "alice";
    p.user.tz = "Europe/Berlin";
    p.preferences = std::move(prefs);
    return p;
}

const std::optional<std::string> k_marketing = "marketing";

TEST(Preferences, NoPreferenceMeansOptedIn) {
    EXPECT_EQ(deciding_preference({}, "email", k_marketing), nullptr);
    EXPECT_FALSE(refusal(alice(), "email", "a@example.com", k_marketing, {}));
}

TEST(Preferences, MostSpecificWins) {
    std::vector<Preference> prefs = {pref("*", "*", false), pref("email", "*", true),
                                     pref("*", "marketing", false),
                                     pref("email", "marketing", true)};
    EXPECT_TRUE(deciding_preference(prefs, "email", k_marketing)->opted_in);  // exact pair
    EXPECT_FALSE(deciding_preference(prefs, "sms", k_marketing)->opted_in);   // category anywhere
    EXPECT_TRUE(deciding_preference(prefs, "email", std::nullopt)->opted_in); // channel
    EXPECT_FALSE(deciding_preference(prefs, "sms", std::nullopt)->opted_in);  // any/any
    // The category on any channel beats the channel for any category.
    std::vector<Preference> two = {pref("email", "*", true), pref("*", "marketing", false)};
    EXPECT_FALSE(deciding_preference(two, "email", k_marketing)->opted_in);
}

TEST(Preferences, WithoutCategoryOnlyAnyCategoryRowsApply) {
    std::vector<Preference> prefs = {pref("*", "marketing", false)};
    EXPECT_EQ(deciding_preference(prefs, "email", std::nullopt), nullptr);
}

TEST(Preferences, OptOutIsARefusalNamingWhat) {
    auto why =
        refusal(alice({pref("*", "marketing", false)}), "sms", "+4915123456789", k_marketing, {});
    ASSERT_TRUE(why);
    EXPECT_EQ(*why, "opted out: user alice opted out of marketing on every channel");
    auto all = refusal(alice({pref("sms", "*", false)}), "sms", "+49", std::nullopt, {});
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, "opted out: user alice opted out of everything on sms");
}

TEST(Preferences, CriticalCategoryIgnoresOptOutAndQuietHours) {
    auto profile = alice({pref("*", "*", false)});
    profile.quiet_hours = model::QuietHours{0, 23 * 60 + 59};
    CategoryPolicy critical{true, QuietAction::delay};
    EXPECT_FALSE(refusal(profile, "email", "a@example.com", "security", critical));
    EXPECT_EQ(
        decide(profile, "email", "a@example.com", "security", critical, at("2026-01-10T12:00:00Z"))
            .kind,
        Verdict::Kind::send);
}

TEST(Preferences, InvalidatedDeviceIsRefusedEvenWhenCritical) {
    auto profile = alice();
    model::Device d;
    d.token = "tok";
    d.invalidated_at = at("2026-01-01T00:00:00Z");
    d.invalid_reason = "410 Unregistered";
    profile.devices.push_back(d);
    auto why = refusal(profile, "push", "tok", std::nullopt, CategoryPolicy{true, {}});
    ASSERT_TRUE(why);
    EXPECT_EQ(*why, "device token invalid since 2026-01-01T00:00:00Z: 410 Unregistered");
    EXPECT_FALSE(refusal(profile, "push", "other", std::nullopt, {}));
}

TEST(QuietHours, ParseAndFormat) {
    auto q = parse_quiet_hours("22:00-07:30");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->start_minute, 22 * 60);
    EXPECT_EQ(q->end_minute, 7 * 60 + 30);
    EXPECT_EQ(format_quiet_hours(*q), "22:00-07:30");
    for (const char* bad : {"22-07", "24:00-07:00", "22:00-07:60", "22:00", "07:00-07:00",
                            "7:00-8:00", "22:00 - 07:00"}) {
        EXPECT_FALSE(parse_quiet_hours(bad)) << bad;
    }
}

TEST(QuietHours, SpanningMidnightEndsTheNextMorning) {
    auto zone = *schedule::Zone::find("Europe/Berlin");
    model::QuietHours q{22 * 60, 7 * 60};
    // 23:30 CET on 10 January -> 07:00 CET on the 11th.
    auto end = quiet_hours_end(q, zone, at("2026-01-10T22:30:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-01-11T06:00:00Z");
    // 03:00 CET -> 07:00 the same day.
    end = quiet_hours_end(q, zone, at("2026-01-11T02:00:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-01-11T06:00:00Z");
    // Noon and the exact end are outside; the exact start is inside.
    EXPECT_FALSE(quiet_hours_end(q, zone, at("2026-01-11T11:00:00Z")));
    EXPECT_FALSE(quiet_hours_end(q, zone, at("2026-01-11T06:00:00Z")));
    EXPECT_TRUE(quiet_hours_end(q, zone, at("2026-01-11T21:00:00Z")));
}

TEST(QuietHours, SameDaySpan) {
    model::QuietHours q{13 * 60, 14 * 60};
    auto utc = schedule::Zone::utc();
    auto end = quiet_hours_end(q, utc, at("2026-01-11T13:15:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-01-11T14:00:00Z");
    EXPECT_FALSE(quiet_hours_end(q, utc, at("2026-01-11T12:59:59Z")));
}

TEST(QuietHours, AcrossTheSpringForwardNight) {
    // Berlin jumps 02:00 CET -> 03:00 CEST on 29 March 2026. Quiet 22:00-07:00 begun at
    // 23:00 CET on the 28th ends at 07:00 CEST = 05:00Z, not 06:00Z.
    auto zone = *schedule::Zone::find("Europe/Berlin");
    auto end = quiet_hours_end({22 * 60, 7 * 60}, zone, at("2026-03-28T22:00:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-03-29T05:00:00Z");
}

TEST(QuietHours, EndInsideTheSpringForwardGapEndsWhenClocksJump) {
    // 02:30 does not exist on 29 March 2026 in Berlin: the quiet hours end at the jump,
    // 03:00 CEST = 01:00Z.
    auto zone = *schedule::Zone::find("Europe/Berlin");
    auto end = quiet_hours_end({22 * 60, 2 * 60 + 30}, zone, at("2026-03-28T23:30:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-03-29T01:00:00Z");
}

TEST(QuietHours, AcrossTheFallBackNight) {
    // Berlin sets 03:00 CEST back to 02:00 CET on 25 October 2026; 07:00 CET = 06:00Z.
    auto zone = *schedule::Zone::find("Europe/Berlin");
    auto end = quiet_hours_end({22 * 60, 7 * 60}, zone, at("2026-10-24T21:00:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-10-25T06:00:00Z");
    // An end in the repeated hour takes its first occurrence (CEST): 02:30 CEST = 00:30Z.
    end = quiet_hours_end({22 * 60, 2 * 60 + 30}, zone, at("2026-10-24T21:00:00Z"));
    ASSERT_TRUE(end);
    EXPECT_EQ(schedule::format_rfc3339(*end), "2026-10-25T00:30:00Z");
}

TEST(Decide, QuietHoursDelayOrDropPerCategory) {
    auto profile = alice();
    profile.quiet_hours = model::QuietHours{22 * 60, 7 * 60};
    const auto night = at("2026-01-10T23:00:00Z"); // 00:00 CET
    auto v = decide(profile, "email", "a@example.com", k_marketing, {}, night);
    EXPECT_EQ(v.kind, Verdict::Kind::delay);
    EXPECT_EQ(schedule::format_rfc3339(v.until), "2026-01-11T06:00:00Z");
    EXPECT_EQ(v.reason, "quiet hours of user alice (22:00-07:00 Europe/Berlin)");
    v = decide(profile, "email", "a@example.com", k_marketing, {false, QuietAction::drop}, night);
    EXPECT_EQ(v.kind, Verdict::Kind::suppress);
    v = decide(profile, "email", "a@example.com", k_marketing, {false, QuietAction::ignore}, night);
    EXPECT_EQ(v.kind, Verdict::Kind::send);
    v = decide(profile, "email", "a@example.com", k_marketing, {}, at("2026-01-10T12:00:00Z"));
    EXPECT_EQ(v.kind, Verdict::Kind::send);
}

TEST(Decide, UnknownOrMissingZoneMeansUtc) {
    auto profile = alice();
    profile.user.tz.reset();
    profile.quiet_hours = model::QuietHours{22 * 60, 7 * 60};
    auto v = decide(profile, "email", "a", std::nullopt, {}, at("2026-01-10T23:00:00Z"));
    EXPECT_EQ(v.kind, Verdict::Kind::delay);
    EXPECT_EQ(schedule::format_rfc3339(v.until), "2026-01-11T07:00:00Z");
}

TEST(CategoryPolicy, FromConfig) {
    config::Config config;
    config.categories["security"] = {"security", true, "ignore", "default", std::nullopt};
    config.categories["news"] = {"news", false, "drop", "x", std::nullopt};
    EXPECT_TRUE(config::category_policy(config, std::string("security"))->critical);
    EXPECT_EQ(config::category_policy(config, std::string("news"))->quiet, QuietAction::drop);
    EXPECT_FALSE(config::category_policy(config, std::string("nope")));
    EXPECT_FALSE(config::category_policy(config, std::nullopt)->critical);
}

} // namespace
} // namespace notify::audience
