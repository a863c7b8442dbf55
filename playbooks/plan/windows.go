package plan

import (
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
)

// SiteWindows reads window states from the sites' maintenance windows in
// the inventory, in each site's time zone.
type SiteWindows struct{}

// Window implements Windows.
func (SiteWindows) Window(site *inventory.Site, at time.Time) WindowState {
	loc := site.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	var st WindowState
	if iv, ok := schedule.OpenAt(site.Windows, loc, at); ok {
		st.Open, st.Closes = true, iv.End
	}
	if iv, ok := schedule.NextOpen(site.Windows, loc, at); ok {
		st.Opens = iv.Start
	}
	return st
}
