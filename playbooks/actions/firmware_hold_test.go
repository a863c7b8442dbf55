package actions

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/inventory"
	"patchbay/playbooks/book"
)

// heldImageHold is a firmware hold on the IOS-XE image of the tests.
var heldImageHold = &inventory.Hold{ID: "H-fw", Kind: inventory.HoldFirmware, Item: "CAT9K_LITE_IOSXE.17.09.06a.SPA.bin",
	Reason: "stack member loops at boot", Recheck: inventory.Date{Year: 2027, Month: 1, Day: 15}}

// writeTestImage writes a small image file and returns its path and MD5.
func writeTestImage(t *testing.T, name string) (string, string) {
	t.Helper()
	data := []byte("firmware image for tests")
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return path, hex.EncodeToString(sum[:])
}

func TestStageImageRejectsHeldImage(t *testing.T) {
	s := &scripted{replies: map[string]reply{}}
	x, rec := newExec(inventory.PlatformCiscoIOSXE, s)
	x.Holds = []*inventory.Hold{heldImageHold}
	image, sum := writeTestImage(t, "cat9k_lite_iosxe.17.09.06a.SPA.bin")

	err := (ciscoStageImage{}).Run(context.Background(), x, book.Params{"image": {Text: image}, "digest": {Text: sum}})

	if !errors.Is(err, ErrHeld) {
		t.Fatalf("error = %v, want ErrHeld", err)
	}
	for _, want := range []string{"H-fw", "stack member loops at boot", "2027-01-15"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if len(s.sent) != 0 {
		t.Errorf("commands sent to a device with held firmware: %v", s.sent)
	}
	if len(s.copies) != 0 {
		t.Errorf("held image copied to %v", s.copies)
	}
	if len(rec.updates) != 1 || rec.updates[0].ResultCode != "held" || rec.updates[0].Title != "held by hold H-fw: stack member loops at boot" {
		t.Errorf("updates = %+v, want one held result for hold H-fw", rec.updates)
	}
}

func TestFirmwareActionsRejectHeld(t *testing.T) {
	holds := []*inventory.Hold{heldImageHold, {ID: "H-ver", Kind: inventory.HoldFirmware, Item: "7.2.10", Reason: "IPsec drops"}}
	cases := []struct {
		action   Action
		platform inventory.Platform
		params   book.Params
		hold     string
	}{
		{ciscoInstall{}, inventory.PlatformCiscoIOSXE, book.Params{"image": {Text: "images/cat9k_lite_iosxe.17.09.06a.SPA.bin"}, "version": {Text: "17.09.06a"}}, "H-fw"},
		{ciscoReload{}, inventory.PlatformCiscoIOS, book.Params{"version": {Text: "7.2.10"}}, "H-ver"},
		{ciscoSetBoot{}, inventory.PlatformCiscoIOSXE, book.Params{"image": {Text: "cat9k_lite_iosxe.17.09.06a.SPA.bin"}}, "H-fw"},
		{fortiFirmware{}, inventory.PlatformFortiOS, book.Params{"version": {Text: "7.2.10"}, "image": {Text: "FGT_60F-v7.2.10.out"}, "server": {Text: "127.0.0.1"}}, "H-ver"},
	}
	for _, c := range cases {
		t.Run(c.action.Name(), func(t *testing.T) {
			s := &scripted{replies: map[string]reply{}}
			x, rec := newExec(c.platform, s)
			x.Holds = holds
			err := c.action.Run(context.Background(), x, c.params)
			if !errors.Is(err, ErrHeld) {
				t.Fatalf("error = %v, want ErrHeld", err)
			}
			if !strings.Contains(err.Error(), c.hold) {
				t.Errorf("error %q does not name hold %s", err, c.hold)
			}
			if len(s.sent) != 0 {
				t.Errorf("commands sent: %v", s.sent)
			}
			if len(rec.updates) != 1 || rec.updates[0].ResultCode != "held" {
				t.Errorf("updates = %+v, want one held result", rec.updates)
			}
		})
	}
}

func TestFirmwareHoldMatching(t *testing.T) {
	holds := []*inventory.Hold{
		{ID: "pkg", Kind: inventory.HoldPackage, Item: "c1100.bin"},
		heldImageHold,
		{ID: "ver", Kind: inventory.HoldFirmware, Item: "15.2(7)E10"},
	}
	cases := []struct {
		image, version, want string
	}{
		{"/srv/images/cat9k_lite_iosxe.17.09.06a.spa.bin", "", "H-fw"},
		{"", "15.2(7)e10", "ver"},
		{"c1100.bin", "", ""},
		{"", "15.2(7)E1", ""},
		{"", "v15.2(7)E10", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		got := ""
		if h := FirmwareHold(holds, c.image, c.version); h != nil {
			got = h.ID
		}
		if got != c.want {
			t.Errorf("FirmwareHold(%q, %q) = %q, want %q", c.image, c.version, got, c.want)
		}
	}
}
