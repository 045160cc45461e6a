// The secret audit of a config file: references and secrets written in the clear.
#include "common/config/secret_audit.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "common/config/paths.hpp"
#include "common/config/references.hpp"
#include "common/text/store_url.hpp"

namespace notify::config {

namespace {

class Auditor {
  public:
    Auditor(const EnvLookup& env, std::filesystem::path base_dir)
        : m_env(env), m_base_dir(std::move(base_dir)) {}

    void walk(const YAML::Node& node, const std::string& key, bool secret_key) {
        if (node.IsMap()) {
            for (const auto& item : node) {
                const std::string name = item.first.Scalar();
                walk(item.second, key.empty() ? name : key + "." + name, is_secret_key(name));
            }
        } else if (node.IsSequence()) {
            for (std::size_t i = 0; i < node.size(); ++i) {
                walk(node[i], key + "[" + std::to_string(i) + "]", secret_key);
            }
        } else if (node.IsScalar()) {
            scalar(node, key, secret_key);
        }
    }

    SecretAudit result() && { return std::move(m_audit); }

  private:
    void scalar(const YAML::Node& node, const std::string& key, bool secret_key) {
        const std::string& text = node.Scalar();
        const bool reference =
            text.find("${env:") != std::string::npos || text.find("${file:") != std::string::npos;
        if (!reference) {
            // A URL's password counts whatever its key (store.url, a provider's url).
            if ((secret_key && !text.empty()) || text::url_has_password(text)) {
                m_audit.literal_secrets.push_back(key);
            }
            return;
        }
        ReferenceCheck check;
        check.key = key;
        check.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
        check.reference = text;
        auto resolved = resolve_references(text, m_env, m_base_dir);
        if (!resolved) {
            check.error = resolved.error();
        } else if (text.starts_with("${file:")) {
            auto path = resolve_path(text.substr(7, text.size() - 8), m_env, m_base_dir);
            struct stat st {};
            if (path && ::stat(path->c_str(), &st) == 0) {
                check.file = path->string();
                check.readable_by_others = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
            }
        }
        m_audit.references.push_back(std::move(check));
    }

    const EnvLookup& m_env;
    std::filesystem::path m_base_dir;
    SecretAudit m_audit;
};

} // namespace

SecretAudit audit_secrets(std::string_view yaml, const std::filesystem::path& file,
                          const EnvLookup& env) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception&) {
        return {};
    }
    Auditor auditor(env, std::filesystem::absolute(file).parent_path());
    try {
        auditor.walk(root, "", false);
    } catch (const YAML::Exception&) {
        return {};
    }
    return std::move(auditor).result();
}

} // namespace notify::config
