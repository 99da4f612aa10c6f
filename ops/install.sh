#!/usr/bin/env bash
# Installs a rendered VaultRoom site on a Debian server: the relay's user, its data directory,
# settings, service unit and certificates, and the DNS, mDNS, DHCP and firewall files.
#
#   ops/install.sh <rendered-dir> [--dhcp kea|isc|none] [--no-dns] [--no-mdns] [--no-firewall]
#
# <rendered-dir> is what `vaultroom site render` wrote (see ops/README.md). Files that already
# exist and differ are kept once as <file>.vaultroom-orig before being replaced.
#
# DESTDIR=<dir> installs under <dir> instead of / (for packaging and tests): no user is created,
# nothing is chowned, no service is reloaded or started. The certificates are still made.
set -euo pipefail

usage() {
  echo "usage: $0 <rendered-dir> [--dhcp kea|isc|none] [--no-dns] [--no-mdns] [--no-firewall]" >&2
  exit 2
}
fail() {
  echo "install.sh: $*" >&2
  exit 1
}

[ $# -ge 1 ] || usage
rendered=$1
shift
dhcp=kea
dns=yes
mdns=yes
firewall=yes
while [ $# -gt 0 ]; do
  case $1 in
    --dhcp)
      [ $# -ge 2 ] || usage
      dhcp=$2
      shift 2
      ;;
    --no-dns) dns=no; shift ;;
    --no-mdns) mdns=no; shift ;;
    --no-firewall) firewall=no; shift ;;
    *) usage ;;
  esac
done
case $dhcp in kea | isc | none) ;; *) usage ;; esac

destdir=${DESTDIR:-}
destdir=${destdir%/}
[ -z "$destdir" ] || [ -d "$destdir" ] || fail "DESTDIR $destdir does not exist"
[ -n "$destdir" ] || [ "$(id -u)" -eq 0 ] || fail "run as root (or set DESTDIR to stage the files)"

unit_file=$rendered/etc/systemd/system/vaultroom.service
[ -f "$unit_file" ] || fail "$rendered holds no rendered site: run 'vaultroom site render <site.json> $rendered' first"
env_file=$(find "$rendered/etc" -path '*/relay.env' -print -quit)
[ -n "$env_file" ] || fail "$rendered holds no relay.env"
env_rel=${env_file#"$rendered"/}

# Everything else is read from the rendered files, so that nothing is typed twice.
setting() { sed -n "s/^$1=//p" "$env_file" | head -n 1; }
data_dir=$(setting VAULTROOM_DATA_DIR)
hostname=$(setting VAULTROOM_HOSTNAME)
alt_hostnames=$(setting VAULTROOM_ALT_HOSTNAMES)
user=$(sed -n 's/^User=//p' "$unit_file")
read -r node cli _ < <(sed -n 's/^ExecStart=//p' "$unit_file")
[ -n "$data_dir" ] && [ -n "$hostname" ] && [ -n "$user" ] && [ -n "$node" ] && [ -n "$cli" ] ||
  fail "the rendered files are incomplete: render them again"
[ -x "$node" ] || fail "Node.js is not at $node (the site's service.node): install Node.js 22"
[ -f "$cli" ] || fail "the relay is not built at $cli: run 'npm ci && npm run build' in the checkout"

# Copies one rendered file into place, keeping a differing original once; a third argument
# gives the file to that group (not when staging, where the group may not exist).
put() {
  local rel=$1 mode=$2 group=${3:-} target="$destdir/$1"
  if [ -f "$target" ] && ! cmp -s "$rendered/$rel" "$target" && [ ! -e "$target.vaultroom-orig" ]; then
    cp -p "$target" "$target.vaultroom-orig"
  fi
  if [ -n "$group" ] && [ -z "$destdir" ]; then
    install -D -m "$mode" -g "$group" "$rendered/$rel" "$target"
  else
    install -D -m "$mode" "$rendered/$rel" "$target"
  fi
  echo "  /$rel"
}

echo "== user and directories"
if [ -z "$destdir" ]; then
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --user-group --home-dir "$data_dir" --no-create-home \
      --shell /usr/sbin/nologin --comment "VaultRoom relay" "$user"
    echo "  created the system user $user"
  fi
  install -d -m 0700 -o "$user" -g "$user" "$data_dir"
else
  install -d -m 0700 "$destdir$data_dir"
fi
echo "  $data_dir (0700)"

echo "== relay settings and service unit"
# A node's names its database and NATS: readable by root (systemd reads it before the service
# starts) and by the service's group (the vaultroom command run as the service user), no one else.
put "$env_rel" 0640 "$user"
put etc/systemd/system/vaultroom.service 0644
put usr/local/bin/vaultroom 0755

if [ "$dns" = yes ]; then
  echo "== BIND (unicast DNS)"
  for file in $(cd "$rendered" && find etc/bind -type f | sort); do put "$file" 0644; done
fi
if [ "$mdns" = yes ] && [ -d "$rendered/etc/avahi" ]; then
  echo "== Avahi (mDNS)"
  for file in $(cd "$rendered" && find etc/avahi -type f | sort); do put "$file" 0644; done
fi
case $dhcp in
  kea)
    echo "== Kea DHCPv4"
    put etc/kea/kea-dhcp4.conf 0644
    ;;
  isc)
    echo "== isc-dhcp-server (end of life since 2022: prefer --dhcp kea)"
    put etc/dhcp/dhcpd.conf 0644
    put etc/default/isc-dhcp-server 0644
    ;;
esac
if [ "$firewall" = yes ]; then
  echo "== nftables"
  nft_file=$(cd "$rendered" && find etc -name vaultroom.nft -print -quit)
  put "$nft_file" 0644
  main="$destdir/etc/nftables.conf"
  include="include \"/$nft_file\""
  if [ ! -f "$main" ]; then
    install -D -m 0755 /dev/null "$main"
    printf '#!/usr/sbin/nft -f\n' >"$main"
  fi
  if ! grep -qxF "$include" "$main"; then
    printf '\n# VaultRoom relay firewall (ops/install.sh)\n%s\n' "$include" >>"$main"
    echo "  /etc/nftables.conf now includes /$nft_file"
  fi
fi

echo "== certificates"
certs=(env "VAULTROOM_HOSTNAME=$hostname" "VAULTROOM_ALT_HOSTNAMES=$alt_hostnames"
  "$node" "$cli" certs --data-dir "$destdir$data_dir")
if [ -z "$destdir" ]; then
  # As the service user, so that the keys are its own and no other user's.
  runuser -u "$user" -- "${certs[@]}"
else
  "${certs[@]}"
fi

if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
  echo "== services"
  systemctl daemon-reload
  if [ "$firewall" = yes ]; then systemctl enable --now nftables && nft -f /etc/nftables.conf; fi
  if [ "$dns" = yes ]; then systemctl enable named && systemctl restart named; fi
  if [ "$mdns" = yes ] && [ -d "$rendered/etc/avahi" ]; then systemctl restart avahi-daemon; fi
  case $dhcp in
    kea) systemctl enable kea-dhcp4-server && systemctl restart kea-dhcp4-server ;;
    isc) systemctl enable isc-dhcp-server && systemctl restart isc-dhcp-server ;;
  esac
  systemctl enable vaultroom
  systemctl restart vaultroom
  echo "  vaultroom is running: journalctl -u vaultroom shows its first-start link"
else
  echo "== not started (DESTDIR set, or systemd not running)"
fi
echo "Import $data_dir/tls/ca.pem on every device (ops/README.md), then open https://$hostname/"
