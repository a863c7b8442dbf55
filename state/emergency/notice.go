package emergency

import (
	"fmt"
	"strings"
	"time"
)

// noticeTimeLayout shows a deadline in the site's time zone.
const noticeTimeLayout = "Mon 2 Jan 2006 15:04 MST"

// NoticeText returns the advance notice for one site's contacts. It names
// the vulnerabilities, the hosts, the deadline in the site's time zone and
// the compensating controls. It warns that work may happen in business
// hours, which an emergency allows only after this notice.
func NoticeText(d Declaration, s Site) string {
	loc := s.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Subject: Emergency security patching at %s (%s)\n\n", siteName(s), d.ID)
	fmt.Fprintf(&b, "%s,\n\n", greeting(s.Contacts))
	b.WriteString("The following vulnerabilities are being exploited in the wild:\n")
	for _, c := range d.CVEs {
		if c.Name != "" {
			fmt.Fprintf(&b, "  - %s: %s\n", c.ID, c.Name)
		} else {
			fmt.Fprintf(&b, "  - %s\n", c.ID)
		}
	}
	fmt.Fprintf(&b, "\nAffected computers at your site (%d): %s.\n", len(s.Hosts), strings.Join(s.Hosts, ", "))
	fmt.Fprintf(&b, "Deadline: %s.\n", d.Now.Add(d.Deadline).In(loc).Format(noticeTimeLayout))
	writePlan(&b, d)
	if d.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", d.Reason)
	}
	return b.String()
}

func writePlan(b *strings.Builder, d Declaration) {
	if d.Playbook != "" {
		b.WriteString("We will install the fix outside the usual maintenance window, possibly during\n" +
			"business hours. Affected computers may restart; please save your work when asked.\n")
	} else {
		b.WriteString("No patch is available yet. Until one is, these measures protect the computers.\n" +
			"We will notify you again before installing it.\n")
	}
	if len(d.Controls) > 0 {
		b.WriteString("Compensating controls in place:\n")
		for _, c := range d.Controls {
			fmt.Fprintf(b, "  - %s\n", c)
		}
	}
}

func siteName(s Site) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

func greeting(contacts []Contact) string {
	var names []string
	for _, c := range contacts {
		if c.Name != "" {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return "Hello"
	}
	return "Dear " + strings.Join(names, ", ")
}
