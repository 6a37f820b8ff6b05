# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the test setup scripts: apt-get with its own sources.list,
# lists and cache under one directory, so other Debian suites are read
# without touching the system's /etc/apt.
#
#   private_apt_init DIR LINE...  write DIR/sources.list from the LINEs
#                                 ("@KEYRING@" becomes the archive
#                                 keyring) and set the array
#                                 private_apt_opts for apt-get
#   private_apt_update            apt-get update into DIR; returns 0, or
#                                 1 when the registry cannot be reached,
#                                 or 2 when apt-get failed otherwise; the
#                                 first E:/W: line is in private_apt_error,
#                                 the whole output in DIR/update.log

private_apt_init() {
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg line
    private_apt_dir="$1"
    shift
    private_apt_opts=(-o "Dir::Etc::SourceList=$private_apt_dir/sources.list"
                      -o "Dir::Etc::SourceParts=$private_apt_dir/sources.list.d"
                      -o "Dir::State::Lists=$private_apt_dir/lists"
                      -o "Dir::Cache=$private_apt_dir/cache"
                      -o "Dir::State::status=/var/lib/dpkg/status"
                      -o "APT::Sandbox::User=root"
                      -o "Debug::NoLocking=1")
    mkdir -p "$private_apt_dir/lists/partial" \
             "$private_apt_dir/cache/archives/partial" \
             "$private_apt_dir/sources.list.d"
    : > "$private_apt_dir/sources.list"
    for line in "$@"; do
        echo "${line//@KEYRING@/$keyring}" >> "$private_apt_dir/sources.list"
    done
}

private_apt_update() {
    local log="$private_apt_dir/update.log" rc=0
    apt-get "${private_apt_opts[@]}" -q update >"$log" 2>&1 || rc=$?
    private_apt_error=$(grep -m1 -E '^(E|W):' "$log" || true)
    if grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$log"; then
        return 1
    fi
    if [ $rc -ne 0 ]; then
        return 2
    fi
    return 0
}
