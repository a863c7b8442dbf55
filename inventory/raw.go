package inventory

// The raw structs mirror the YAML layout. Every value is a scalar with its
// position, so that validation can name the line of a bad value. The yaml
// tags are the keys the inventory accepts; the decoder rejects all others.

type rawFile struct {
	Sites          []*rawSite         `yaml:"sites"`
	Hosts          []*rawHost         `yaml:"hosts"`
	Rings          []*rawRing         `yaml:"rings"`
	Exceptions     []*rawException    `yaml:"exceptions"`
	Devices        []*rawDevice       `yaml:"devices"`
	Holds          []*rawHold         `yaml:"holds"`
	Credentials    []*rawCredential   `yaml:"credentials"`
	HealthChecks   []*rawHealthCheck  `yaml:"health_checks"`
	RebootPolicies []*rawRebootPolicy `yaml:"reboot_policies"`
}

func (*rawFile) noun() string { return "the top level" }

// appendFile appends the items of other to those of f.
func (f *rawFile) appendFile(other *rawFile) {
	f.Sites = append(f.Sites, other.Sites...)
	f.Hosts = append(f.Hosts, other.Hosts...)
	f.Rings = append(f.Rings, other.Rings...)
	f.Exceptions = append(f.Exceptions, other.Exceptions...)
	f.Devices = append(f.Devices, other.Devices...)
	f.Holds = append(f.Holds, other.Holds...)
	f.Credentials = append(f.Credentials, other.Credentials...)
	f.HealthChecks = append(f.HealthChecks, other.HealthChecks...)
	f.RebootPolicies = append(f.RebootPolicies, other.RebootPolicies...)
}

type rawSite struct {
	ID          scalar          `yaml:"id"`
	Name        scalar          `yaml:"name"`
	TimeZone    scalar          `yaml:"time_zone"`
	Windows     []scalar        `yaml:"windows"`
	Owner       scalar          `yaml:"owner"`
	Contacts    []*rawContact   `yaml:"contacts"`
	Gateway     scalar          `yaml:"gateway"`
	Concurrency scalar          `yaml:"concurrency"`
	Hosts       []*rawHost      `yaml:"hosts"`
	Devices     []*rawDevice    `yaml:"devices"`
	Exceptions  []*rawException `yaml:"exceptions"`
	Pos         Pos
}

func (*rawSite) noun() string { return "site" }

type rawContact struct {
	Name  scalar `yaml:"name"`
	Role  scalar `yaml:"role"`
	Email scalar `yaml:"email"`
	Phone scalar `yaml:"phone"`
	Pos   Pos
}

func (*rawContact) noun() string { return "contact" }

type rawHost struct {
	Name       scalar        `yaml:"name"`
	Site       scalar        `yaml:"site"`
	Address    scalar        `yaml:"address"`
	Platform   scalar        `yaml:"platform"`
	Transport  *rawTransport `yaml:"transport"`
	Ring       scalar        `yaml:"ring"`
	Role       scalar        `yaml:"role"`
	Tags       []scalar      `yaml:"tags"`
	Apps       []scalar      `yaml:"apps"`
	Hypervisor scalar        `yaml:"hypervisor"`
	Exception  scalar        `yaml:"exception"`
	Pos        Pos
}

func (*rawHost) noun() string { return "host" }

type rawTransport struct {
	Kind             scalar `yaml:"kind"`
	Port             scalar `yaml:"port"`
	User             scalar `yaml:"user"`
	Credential       scalar `yaml:"credential"`
	HTTPS            scalar `yaml:"https"`
	CAFile           scalar `yaml:"ca_file"`
	Insecure         scalar `yaml:"insecure_skip_verify"`
	LegacyAlgorithms scalar `yaml:"legacy_algorithms"`
	Auth             scalar `yaml:"auth"`
	Pos              Pos
}

func (*rawTransport) noun() string { return "transport" }

type rawRing struct {
	Name          scalar `yaml:"name"`
	Delay         scalar `yaml:"delay"`
	Deploy        scalar `yaml:"deploy"`
	Soak          scalar `yaml:"soak"`
	EmergencySoak scalar `yaml:"emergency_soak"`
	SuccessShare  scalar `yaml:"success_share"`
	FailureBudget scalar `yaml:"failure_budget"`
	Pos           Pos
}

func (*rawRing) noun() string { return "ring" }

type rawException struct {
	ID            scalar   `yaml:"id"`
	Hosts         []scalar `yaml:"hosts"`
	Reason        scalar   `yaml:"reason"`
	App           scalar   `yaml:"app"`
	PinnedVersion scalar   `yaml:"pinned_version"`
	Controls      []scalar `yaml:"controls"`
	Owner         scalar   `yaml:"owner"`
	Approved      scalar   `yaml:"approved"`
	ReviewBy      scalar   `yaml:"review_by"`
	Pos           Pos
}

func (*rawException) noun() string { return "exception" }

type rawDevice struct {
	Name          scalar   `yaml:"name"`
	Site          scalar   `yaml:"site"`
	Model         scalar   `yaml:"model"`
	Vendor        scalar   `yaml:"vendor"`
	VendorContact scalar   `yaml:"vendor_contact"`
	Firmware      scalar   `yaml:"firmware"`
	Controls      []scalar `yaml:"controls"`
	Pos           Pos
}

func (*rawDevice) noun() string { return "medical device" }

type rawHold struct {
	ID       scalar `yaml:"id"`
	KB       scalar `yaml:"kb"`
	Package  scalar `yaml:"package"`
	Firmware scalar `yaml:"firmware"`
	Version  scalar `yaml:"version"`
	Reason   scalar `yaml:"reason"`
	Source   scalar `yaml:"source"`
	Scope    scalar `yaml:"scope"`
	Recheck  scalar `yaml:"recheck"`
	Pos      Pos
}

func (*rawHold) noun() string { return "hold" }

type rawCredential struct {
	Name    scalar   `yaml:"name"`
	Env     scalar   `yaml:"env"`
	File    scalar   `yaml:"file"`
	Agent   scalar   `yaml:"agent"`
	Command []scalar `yaml:"command"`
	Timeout scalar   `yaml:"timeout"`
	Pos     Pos
}

func (*rawCredential) noun() string { return "credential" }

type rawHealthCheck struct {
	Name    scalar `yaml:"name"`
	Site    scalar `yaml:"site"`
	App     scalar `yaml:"app"`
	Service scalar `yaml:"service"`
	Process scalar `yaml:"process"`
	TCPPort scalar `yaml:"tcp_port"`
	Pos     Pos
}

func (*rawHealthCheck) noun() string { return "health check" }

type rawRebootPolicy struct {
	Name         scalar   `yaml:"name"`
	Mode         scalar   `yaml:"mode"`
	Hosts        []scalar `yaml:"hosts"`
	Tags         []scalar `yaml:"tags"`
	DeferApps    []scalar `yaml:"defer_apps"`
	UserLoggedOn scalar   `yaml:"defer_user_logged_on"`
	Pos          Pos
}

func (*rawRebootPolicy) noun() string { return "reboot policy" }
