// Package linuxpkg parses what Debian-family (apt) and Red Hat-family
// (dnf, dnf5, yum) hosts print while they are checked and patched:
//
//   - ParseAptList: `apt list --upgradable`, including the "Listing..."
//     line, the "WARNING: apt does not have a stable CLI interface" line
//     and "N:" notice lines.
//   - ParseAptSimulation: `apt-get -s upgrade` and `apt-get -s
//     dist-upgrade` (the NOTE banner, the summary line, Inst, Conf and Remv
//     lines).
//   - ParseRebootRequired: the contents of /var/run/reboot-required and
//     /var/run/reboot-required.pkgs.
//   - ParseAptHolds: `apt-mark showhold`.
//   - ParseCheckUpdate: `dnf check-update`, `yum check-update` and dnf5
//     `check-update`, with their exit status (100 = updates available, 0 =
//     none, anything else = error) and the "Obsoleting Packages" section.
//   - ParseNeedsRestarting: `needs-restarting -r` from dnf-plugins-core
//     and EL7 yum-utils, with its exit status (1 = reboot required, 0 =
//     not required).
package linuxpkg
