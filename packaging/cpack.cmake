# The .deb (cpack -G DEB; scripts/package-test.sh builds, installs and removes it): package
# metadata, dependencies and maintainer scripts. Included last by the top-level CMakeLists.txt.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME notify)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "notify")
set(CPACK_PACKAGE_CONTACT "notify maintainers <notify-maintainers@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "notification queue CLI (notify) and delivery daemon (notifyd)")
# The extended description; CPack puts the summary above it as the synopsis line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "notify queues, schedules, previews, inspects and delivers notifications from a
durable local SQLite store, fanning out to users' addresses and devices by their
preferences; notifyd delivers them with retries and failover through SMTP,
SendGrid, Twilio, Vonage, APNs, FCM, Web Push, webhooks, Slack, programs, files
and the log. Includes a hardened systemd unit and shell completions.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The package installs where the build was configured to (the paths compiled in and written
# into the unit follow CMAKE_INSTALL_PREFIX): configure with -DCMAKE_INSTALL_PREFIX=/usr.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps finds what the binaries, notify_phone.so and notify_pg.so (libpqxx) link; libcurl and libcrypto are
# opened with dlopen (common/loader), which it cannot see, so they are listed by hand; so are
# what the maintainer scripts run.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libcurl4 (>= 7.88), libssl3 (>= 3.0), tzdata, ca-certificates, systemd | adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_BINARY_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm;${PROJECT_BINARY_DIR}/packaging/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Debug information stays in the build tree, as a Debian package would move it to -dbgsym.
set(CPACK_STRIP_FILES TRUE)
include(CPack)
