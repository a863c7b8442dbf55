// Package macos parses what macOS prints while it is patched:
//
//   - ParseList: `softwareupdate --list` in the legacy format ("* name"
//     then "Title (version), sizeK [recommended] [restart]", macOS 10.14
//     and earlier), in the "* Label:" format (10.15 and later), and the
//     "No new software available." reply.
//   - ParseInstall: `softwareupdate --install`, its restart request, and
//     the Apple silicon refusals that mean a volume owner's credentials or
//     MDM are needed.
//   - ParseSwVers: `sw_vers`.
package macos
