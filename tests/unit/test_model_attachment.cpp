// Unit tests of common/model/attachment.cpp.
#include <gtest/gtest.h>

#include "common/model/attachment.hpp"

namespace notify::model {
namespace {

TEST(AttachmentContentType, KnownExtensionsAnyCase) {
    EXPECT_EQ(content_type_for("q3.pdf"), "application/pdf");
    EXPECT_EQ(content_type_for("Q3.PDF"), "application/pdf");
    EXPECT_EQ(content_type_for("chart.png"), "image/png");
    EXPECT_EQ(content_type_for("photo.jpg"), "image/jpeg");
    EXPECT_EQ(content_type_for("photo.JPEG"), "image/jpeg");
    EXPECT_EQ(content_type_for("notes.txt"), "text/plain");
    EXPECT_EQ(content_type_for("rows.csv"), "text/csv");
    EXPECT_EQ(content_type_for("page.html"), "text/html");
    EXPECT_EQ(content_type_for("data.json"), "application/json");
    EXPECT_EQ(content_type_for("all.tar.zip"), "application/zip");
    EXPECT_EQ(content_type_for("meeting.ics"), "text/calendar");
}

TEST(AttachmentContentType, AnythingElseIsOctetStream) {
    EXPECT_EQ(content_type_for("README"), "application/octet-stream");
    EXPECT_EQ(content_type_for("archive.7z"), "application/octet-stream");
    EXPECT_EQ(content_type_for("trailing."), "application/octet-stream");
    EXPECT_EQ(content_type_for(".pdf"), "application/pdf"); // a hidden file is still a pdf
    EXPECT_EQ(content_type_for(""), "application/octet-stream");
}

} // namespace
} // namespace notify::model
