// `notify template check`: every template and locale variant rendered with its sample data
// for every channel part, plus the files the catalog would silently skip.
#pragma once

#include <string>
#include <vector>

#include "common/render/catalog.hpp"
#include "common/render/template_file.hpp"

namespace notify::render {

struct CheckReport {
    int templates = 0;             // templates checked
    int files = 0;                 // template files checked (default files and variants)
    std::vector<Problem> problems; // empty: all fine
};

// Checks the templates `names` (all when empty; then also stray files: names that are not
// <name>[.<locale>].yaml, .yml files, variants without a default file, and every partial's
// syntax). Per file: load problems, mustache syntax (at the tag's line), variables the
// sample lacks, partials not found, and render_part() failures (SMS segments, push size,
// webhook JSON, badge). A name not found is a problem whose file is that name.
CheckReport check_templates(const Catalog& catalog, const std::vector<std::string>& names);

} // namespace notify::render
