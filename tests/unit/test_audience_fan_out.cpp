// Unit tests of common/audience/fan_out.cpp.
#include <gtest/gtest.h>

#include "common/audience/fan_out.hpp"

namespace notify::audience {
namespace {

const AddressChannels k_channels = {
    {"email", "email"}, {"phone", "sms"}, {"ios", "push"}, {"android", "push"}, {"web", "webpush"},
};

model::UserProfile bob() {
    model::UserProfile p;
    p.user.id = "bob";
    p.user.email = "bob@example.com";
    p.user.phone = "+14155550123";
    model::Device ios;
    ios.platform = "ios";
    ios.token = "aaaa";
    model::Device gone;
    gone.platform = "android";
    gone.token = "bbbb";
    gone.invalidated_at = TimePoint{};
    model::Device web;
    web.platform = "web";
    web.token = "{}";
    p.devices = {ios, gone, web};
    return p;
}

std::vector<std::string> names(const std::vector<Target>& targets) {
    std::vector<std::string> out;
    for (const auto& t : targets) {
        out.push_back(t.channel + ":" + t.to);
    }
    return out;
}

TEST(FanOut, EveryAddressOnConfiguredChannelsSkippingInvalidDevices) {
    auto all = fan_out(
        bob(), k_channels, [](const std::string& c) { return c != "webpush"; }, std::nullopt);
    EXPECT_EQ(names(all),
              (std::vector<std::string>{"email:bob@example.com", "sms:+14155550123", "push:aaaa"}));
}

TEST(FanOut, OnlyOneChannel) {
    auto push = fan_out(
        bob(), k_channels, [](const std::string&) { return true; }, std::string("push"));
    EXPECT_EQ(names(push), (std::vector<std::string>{"push:aaaa"}));
    auto none = fan_out(
        bob(), k_channels, [](const std::string&) { return true; }, std::string("slack"));
    EXPECT_TRUE(none.empty());
}

TEST(FanOut, UserWithoutAddresses) {
    model::UserProfile p;
    p.user.id = "x";
    EXPECT_TRUE(fan_out(
                    p, k_channels, [](const std::string&) { return true; }, std::nullopt)
                    .empty());
}

} // namespace
} // namespace notify::audience
