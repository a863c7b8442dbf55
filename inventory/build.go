package inventory

import (
	"regexp"
	"strings"
	"time"

	"patchbay/inventory/schedule"
)

// builder turns raw files into an Inventory, checking each value and every
// reference between items. It reports problems and goes on, so that one
// pass finds them all.
type builder struct {
	p     *problemList
	today Date
	inv   *Inventory
	// names maps host and device names to where they were first defined,
	// because both share one namespace.
	names map[string]Pos
	// hostExceptions holds the exception key of each host that has one,
	// resolved once all exceptions are read.
	hostExceptions map[string]scalar
	// sitePos maps the ID of every site in inv.Sites to its position.
	sitePos map[string]Pos
	// zones caches time zones by name, because loading one reads the
	// system's zone database.
	zones map[string]*time.Location
}

func newBuilder(p *problemList, now time.Time) *builder {
	return &builder{
		p: p, today: DateOf(now), inv: &Inventory{},
		names: map[string]Pos{}, hostExceptions: map[string]scalar{},
		sitePos: map[string]Pos{}, zones: map[string]*time.Location{},
	}
}

// siteItems are the items of a file, with the site that nests them.
type siteItems struct {
	hosts      []nested[*rawHost]
	devices    []nested[*rawDevice]
	exceptions []*rawException
}

// nested is an item and the site it was written under ("" at top level).
type nested[T any] struct {
	item T
	site string
}

func (b *builder) build(raws []*rawFile) *Inventory {
	var all rawFile
	var items siteItems
	for _, raw := range raws {
		all.appendFile(raw)
		items.exceptions = append(items.exceptions, raw.Exceptions...)
		items.collect(raw)
	}
	b.buildRings(all.Rings)
	b.buildCredentials(all.Credentials)
	for _, s := range all.Sites {
		b.buildSite(s)
	}
	b.buildHosts(items.hosts)
	b.buildDevices(items.devices)
	b.buildExceptions(items.exceptions)
	b.linkHostExceptions()
	b.buildHolds(all.Holds)
	b.buildHealthChecks(all.HealthChecks)
	b.buildRebootPolicies(all.RebootPolicies)
	b.checkTopology()
	b.assignRings()
	return b.inv
}

func (items *siteItems) collect(raw *rawFile) {
	for _, h := range raw.Hosts {
		items.hosts = append(items.hosts, nested[*rawHost]{h, ""})
	}
	for _, d := range raw.Devices {
		items.devices = append(items.devices, nested[*rawDevice]{d, ""})
	}
	for _, s := range raw.Sites {
		id := s.ID.Text
		for _, h := range s.Hosts {
			items.hosts = append(items.hosts, nested[*rawHost]{h, id})
		}
		for _, d := range s.Devices {
			items.devices = append(items.devices, nested[*rawDevice]{d, id})
		}
		items.exceptions = append(items.exceptions, s.Exceptions...)
	}
}

// idPattern matches site IDs, ring names and other identifiers, which must
// be typable in flags without quoting.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// identifier returns the required identifier s of an item, checking its
// form and that it is unique among seen.
func (b *builder) identifier(s scalar, pos Pos, what, key string, seen map[string]Pos) string {
	id := s.required(b.p, pos, what, key)
	if id == "" {
		return ""
	}
	if !idPattern.MatchString(id) {
		b.p.errorf(s.Pos, "%s %s %q has invalid characters: use letters, digits, '.', '_' and '-', starting with a letter or digit", what, key, id)
		return ""
	}
	if first, dup := seen[id]; dup {
		b.p.errorf(s.Pos, "duplicate %s %s %q (first defined at %s): %ss must be unique across all files", what, key, id, first, what)
		return ""
	}
	seen[id] = s.Pos
	return id
}

func (b *builder) buildSite(r *rawSite) {
	site := &Site{Pos: r.Pos}
	site.ID = b.identifier(r.ID, r.Pos, "site", "id", b.sitePos)
	site.Name = r.Name.text(b.p, "name")
	if site.Name == "" {
		site.Name = site.ID
	}
	site.TimeZone = b.timeZone(r)
	site.Windows = b.windows(r, site.ID)
	site.Owner = r.Owner.text(b.p, "owner")
	if site.Owner == "" && site.ID != "" && !r.Owner.Set { // a value that text rejected is already an error
		b.p.warnf(r.Pos, "site %s has no owner, so nobody is responsible for its patching: add \"owner: NAME\"", site.ID)
	}
	for _, c := range r.Contacts {
		site.Contacts = append(site.Contacts, b.contact(c))
	}
	site.Gateway = r.Gateway.text(b.p, "gateway")
	site.Concurrency = r.Concurrency.integer(b.p, "concurrency", 0, 1000)
	if site.ID != "" {
		b.inv.Sites = append(b.inv.Sites, site)
		b.sitePos[site.ID] = site.Pos // replaces the id position that identifier stored
	}
}

func (b *builder) timeZone(r *rawSite) *time.Location {
	name := r.TimeZone.required(b.p, r.Pos, "site", "time_zone")
	if name == "" {
		return time.UTC
	}
	loc, err := b.loadLocation(name)
	if err != nil || name == "Local" {
		b.p.errorf(r.TimeZone.Pos, "time_zone: %q is not an IANA time zone: use a name such as America/New_York or Europe/London", name)
		return time.UTC
	}
	return loc
}

func (b *builder) loadLocation(name string) (*time.Location, error) {
	if loc, ok := b.zones[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		b.zones[name] = loc
	}
	return loc, err
}

func (b *builder) windows(r *rawSite, id string) []schedule.Window {
	if len(r.Windows) == 0 {
		b.p.errorf(r.Pos, "site %s has no maintenance window: add windows: [\"mon-fri 22:00-05:00\"]", id)
		return nil
	}
	var out []schedule.Window
	for _, s := range r.Windows {
		text := s.text(b.p, "windows")
		if text == "" {
			continue
		}
		w, err := schedule.ParseWindow(text)
		if err != nil {
			b.p.errorf(s.Pos, "windows: %v", err)
			continue
		}
		out = append(out, w)
	}
	return out
}

func (b *builder) contact(r *rawContact) Contact {
	c := Contact{
		Name:  r.Name.required(b.p, r.Pos, "contact", "name"),
		Role:  r.Role.text(b.p, "role"),
		Email: r.Email.text(b.p, "email"),
		Phone: r.Phone.text(b.p, "phone"),
	}
	if c.Email != "" && !strings.Contains(c.Email, "@") {
		b.p.errorf(r.Email.Pos, "email: %q is not an email address: write it as name@example.org", c.Email)
	}
	return c
}

func (b *builder) buildRings(raws []*rawRing) {
	if len(raws) == 0 {
		b.inv.Rings = DefaultRings()
		return
	}
	seen := map[string]Pos{}
	for i, r := range raws {
		name := b.identifier(r.Name, r.Pos, "ring", "name", seen)
		if name == "" {
			continue
		}
		def := defaultRing(i, len(raws))
		b.inv.Rings = append(b.inv.Rings, &Ring{
			Name:          name,
			Delay:         r.Delay.duration(b.p, "delay", def.Delay),
			Deploy:        r.Deploy.duration(b.p, "deploy", def.Deploy),
			Soak:          r.Soak.duration(b.p, "soak", def.Soak),
			EmergencySoak: r.EmergencySoak.duration(b.p, "emergency_soak", def.EmergencySoak),
			SuccessShare:  r.SuccessShare.share(b.p, "success_share", def.SuccessShare),
			FailureBudget: r.FailureBudget.budget(b.p, "failure_budget", def.FailureBudget),
			Pos:           r.Pos,
		})
	}
}

// DefaultRings returns the rings used when the inventory defines none: test,
// then production after test's gate.
func DefaultRings() []*Ring {
	test, prod := defaultRing(0, 2), defaultRing(1, 2)
	test.Name, prod.Name = "test", "production"
	return []*Ring{test, prod}
}

// defaultRing returns the defaults for the ring at index i of n. The first
// ring starts 24 hours after the monthly release and has a day to deploy.
// Later rings start as soon as the previous ring's soak ends and have three
// days. Every ring but the last soaks two days (four hours in an
// emergency), because the last ring has no later ring to gate. The gate
// needs 95 % success, and one failed host per site is tolerated.
func defaultRing(i, n int) *Ring {
	r := &Ring{Deploy: 72 * time.Hour, SuccessShare: 0.95, FailureBudget: Budget{Count: 1}}
	if i == 0 {
		r.Delay, r.Deploy = 24*time.Hour, 24*time.Hour
	}
	if i < n-1 {
		r.Soak, r.EmergencySoak = 48*time.Hour, 4*time.Hour
	}
	return r
}
