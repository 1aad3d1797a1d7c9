#!/bin/sh
# Make a new scrapyd password and put it where scrapyd and the schedulers read it:
#   /etc/scrapyd/conf.d/secret.conf   [scrapyd] password = …  (read by scrapyd)
#   /etc/reports/scrapyd.pass         the password alone       (scrapy schedule --password-file,
#                                                                SCRAPYD_PASSWORD_FILE in deploy/crontab)
# Both mode 0600, owned by the user scrapyd and the crawls run as.  Nothing is
# printed and nothing goes on a command line.  Run as root:  sh deploy/new-secret.sh
# Then: systemctl restart scrapyd
set -eu
CONF_D=${SCRAPYD_CONF_D:-/etc/scrapyd/conf.d}
ETC=${REPORTS_ETC:-/etc/reports}
OWNER=${REPORTS_USER:-reports}
umask 077
mkdir -p "$CONF_D" "$ETC"
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
printf '[scrapyd]\npassword = %s\n' "$password" > "$CONF_D/secret.conf.new"
printf '%s\n' "$password" > "$ETC/scrapyd.pass.new"
if [ "$(id -u)" = 0 ]; then
    chown "$OWNER" "$CONF_D/secret.conf.new" "$ETC/scrapyd.pass.new"
fi
mv "$CONF_D/secret.conf.new" "$CONF_D/secret.conf"
mv "$ETC/scrapyd.pass.new" "$ETC/scrapyd.pass"
