package actions

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"patchbay/inventory"
	"patchbay/state/event"
)

// ErrHeld means an inventory hold keeps back the firmware a step would
// install. The step fails before it changes the device.
var ErrHeld = errors.New("held by an inventory hold")

// FirmwareHold returns the first firmware hold in holds whose item names
// the image or the version, or nil. The item names the image when it
// equals the image's file name, the last element of its path, so a hold
// on "cat9k_lite_iosxe.17.09.06a.SPA.bin" matches
// "images/cat9k_lite_iosxe.17.09.06a.SPA.bin". It names the version when
// it equals the version as the playbook gives it, such as "17.09.06a" or
// "7.2.10". Both comparisons ignore case and surrounding spaces but
// nothing else, so a hold on "17.9.6a" does not match "17.09.06a". An
// empty image or version matches no hold.
func FirmwareHold(holds []*inventory.Hold, image, version string) *inventory.Hold {
	names := []string{strings.TrimSpace(version)}
	if image = strings.TrimSpace(image); image != "" {
		names = append(names, path.Base(image))
	}
	for _, h := range holds {
		if h.Kind != inventory.HoldFirmware {
			continue
		}
		for _, name := range names {
			if name != "" && strings.EqualFold(strings.TrimSpace(h.Item), name) {
				return h
			}
		}
	}
	return nil
}

// rejectHeldFirmware returns an ErrHeld error when a firmware hold on the
// host names image or version (see FirmwareHold), and nil otherwise. It
// journals a rejected image as a held update, the way the update actions
// journal a held update, so the report's hold table counts the host.
func rejectHeldFirmware(x *Exec, image, version string) error {
	hold := FirmwareHold(x.Holds, image, version)
	if hold == nil {
		return nil
	}
	firmware := version
	if strings.TrimSpace(image) != "" {
		firmware = path.Base(image)
	}
	x.Report.UpdateResult(event.UpdateResult{Update: firmware, Title: fmt.Sprintf("held by hold %s: %s", hold.ID, hold.Reason), ResultCode: "held"})
	return fmt.Errorf("host %s: firmware %s is %w %s (%s), re-check due %s; choose another image, or remove the hold from the inventory once the problem is fixed",
		x.Host.Name, firmware, ErrHeld, hold.ID, hold.Reason, hold.Recheck)
}
