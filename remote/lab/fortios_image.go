package lab

import (
	"fmt"
	"strings"
)

// restoreImage runs `execute restore image tftp FILE SERVER`: it asks
// "Do you want to continue? (y/n)", fetches the image from the lab's
// stand-in for the TFTP server, checks it and reboots into it, which ends
// the session.
//
// NOTE: the wording follows FortiOS 6.x and 7.x sessions as published in
// Fortinet community articles, reconstructed rather than captured.
func (c *fortiCLI) restoreImage(file, server string) error {
	key, err := c.term.askKey("This operation will replace the current firmware version!\nDo you want to continue? (y/n)")
	if err != nil {
		return err
	}
	if key != 'y' && key != 'Y' {
		return nil
	}
	c.term.print("\nPlease wait...\n\nConnect to tftp server " + server + " ...\n")
	var data []byte
	var found bool
	c.host.View(func(s *State) { data, found = s.Files["tftp://"+server+"/"+file] })
	if !found {
		return c.term.print("Tftp client: error: file not found\nCommand fail. Return code -1\n")
	}
	c.term.print(strings.Repeat("#", 20) + "\nGet image from tftp server OK.\nVerifying the integrity of the firmware image.\n")
	version, ok := imageVersion(data)
	if !ok {
		return c.term.print("Image check failed: the file is not a firmware image for this model.\nCommand fail. Return code -1\n")
	}
	c.host.Change(func(s *State) { s.StagedBuild = version })
	c.term.print(fmt.Sprintf("\nPlease wait...\nUpgrading to %s ...\n\nThe system is going down NOW !!\n", version))
	c.host.Reboot()
	return errReloading
}
