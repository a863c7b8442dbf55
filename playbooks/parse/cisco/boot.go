package cisco

import (
	"strings"

	"patchbay/playbooks/parse"
)

// BootMode is the way an IOS-XE device boots: from a bundle image file or
// from the packages.conf of install mode.
type BootMode string

// Boot modes.
const (
	BundleMode  BootMode = "bundle"
	InstallMode BootMode = "install"
)

// ShowBoot is the boot configuration from `show boot`.
type ShowBoot struct {
	// Images lists the boot images for the next reload, in order:
	// "flash:c3750e-ipbasek9-mz.150-2.SE11.bin" or "flash:packages.conf".
	Images []string
	// Unset is true when the device reports "BOOT variable does not exist"
	// for the next reload, so it boots the first image ROMMON finds.
	Unset      bool
	ConfigFile string
	ManualBoot bool
}

// Mode returns InstallMode when the first boot image is a packages.conf
// file, otherwise BundleMode.
func (b ShowBoot) Mode() BootMode {
	if len(b.Images) > 0 && strings.HasSuffix(b.Images[0], "packages.conf") {
		return InstallMode
	}
	return BundleMode
}

// ParseShowBoot parses `show boot`: the IOS "BOOT path-list : a;b" form
// and the IOS-XE form with "Boot Variables on next reload:" followed by
// "BOOT variable = a;b". On a stack, the first member's values are used.
func ParseShowBoot(output string) ShowBoot {
	var boot ShowBoot
	nextReload := true
	for _, line := range parse.Lines(output) {
		line = strings.TrimSpace(line)
		switch {
		case line == "Current Boot Variables:":
			nextReload = false
		case line == "Boot Variables on next reload:":
			nextReload = true
		case nextReload && line == "BOOT variable does not exist" && boot.Images == nil:
			boot.Unset = true
		default:
			boot.readField(line, nextReload)
		}
	}
	return boot
}

func (b *ShowBoot) readField(line string, nextReload bool) {
	key, value, ok := parse.KeyValue(line, ":")
	if strings.HasPrefix(line, "BOOT variable =") || strings.HasPrefix(line, "Manual Boot =") {
		key, value, ok = parse.KeyValue(line, "=")
	}
	if !ok {
		return
	}
	switch key {
	case "BOOT path-list", "BOOT variable":
		if nextReload && b.Images == nil {
			b.Images = splitBootPath(value)
			b.Unset = len(b.Images) == 0
		}
	case "Config file":
		if b.ConfigFile == "" {
			b.ConfigFile = value
		}
	case "Manual Boot":
		b.ManualBoot = value == "yes"
	}
}

func splitBootPath(value string) []string {
	var images []string
	for _, image := range strings.FieldsFunc(value, func(r rune) bool { return r == ';' || r == ',' }) {
		if image = strings.TrimSpace(image); image != "" {
			images = append(images, image)
		}
	}
	return images
}
