// Unit tests of common/providers/message_json.cpp: the JSON of a message, with attachments.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/providers/message_json.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;

Message message() {
    Message m;
    m.id = 7;
    m.channel = "email";
    m.to = "ann@example.org";
    m.subject = "Q3";
    m.body = "Attached.";
    m.attempt = 1;
    return m;
}

TEST(MessageJson, NoAttachmentsNoKey) {
    EXPECT_FALSE(json::parse(message_json(message())).contains("attachments"));
    EXPECT_FALSE(
        json::parse(message_json(message(), AttachmentBytes::base64)).contains("attachments"));
}

TEST(MessageJson, AttachmentsAsMetadataOrWithBase64Content) {
    Message m = message();
    m.attachments = {{"q3.pdf", "application/pdf", 3, std::string("\0\xff\x01", 3), true}};
    json meta = json::parse(message_json(m));
    EXPECT_EQ(meta["attachments"],
              json::parse(R"([{"filename":"q3.pdf","content_type":"application/pdf","size":3}])"));
    json full = json::parse(message_json(m, AttachmentBytes::base64));
    EXPECT_EQ(full["attachments"], json::parse(R"([{"filename":"q3.pdf",
        "content_type":"application/pdf","size":3,"content":"AP8B"}])"));
    EXPECT_EQ(full["attempt"], 1); // the other keys are unchanged
}

} // namespace
} // namespace notify::providers
