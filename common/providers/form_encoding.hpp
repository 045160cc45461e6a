// application/x-www-form-urlencoded bodies (WHATWG URL standard serializer), as the SMS
// providers send them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace notify::providers {

// One name=value pair of a form body, in the order it is sent.
struct FormField {
    std::string name;
    std::string value;
};

// Escapes `text` (taken as bytes, UTF-8 in practice): ASCII letters, digits and "*-._" stay,
// a space becomes "+", every other byte becomes "%XX" (upper-case hex).
std::string form_escape(std::string_view text);

// Joins the escaped fields as "name=value&name=value"; "" for no fields.
std::string form_encode(const std::vector<FormField>& fields);

// The inverse of form_encode for tests and fakes: splits on "&", "+" becomes a space and
// "%XX" the byte; a malformed escape is kept as it is. A pair without "=" has an empty value.
std::vector<FormField> form_decode(std::string_view body);

} // namespace notify::providers
