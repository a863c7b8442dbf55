// Package builtin holds the playbooks embedded in the patchbay binary, as
// YAML files in the same format users write.
package builtin

import "embed"

// FS holds the built-in playbooks, one *.yaml file each.
//
//go:embed *.yaml
var FS embed.FS
