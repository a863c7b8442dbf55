package exposure

import "strings"

// Platform names, with the same values as the inventory package's
// Platform constants. The package keeps its own copy so that it builds and
// tests without the inventory loader.
const (
	Windows       = "windows"
	WindowsServer = "windows-server"
	HyperV        = "hyperv"
	MacOS         = "macos"
	LinuxApt      = "linux-apt"
	LinuxDnf      = "linux-dnf"
	ESXi          = "esxi"
	CiscoIOS      = "cisco-ios"
	CiscoIOSXE    = "cisco-iosxe"
	FortiOS       = "fortios"
)

// isWindows reports whether platform runs Windows.
func isWindows(platform string) bool {
	return platform == Windows || platform == WindowsServer || platform == HyperV
}

// Rule is the mapping of one catalogue vendor and product to hosts.
// A rule has platforms, software names, or both; a rule with neither has
// a NotApplicable reason.
type Rule struct {
	// Platforms are the inventory platforms whose operating system the
	// product is or ships with.
	Platforms []string
	// Software lists names matched, case-insensitively and as substrings,
	// against a host's installed software facts.
	Software []string
	// NotApplicable is the reason no inventory host can run the product.
	NotApplicable string
}

var (
	windowsAll    = []string{Windows, WindowsServer, HyperV}
	windowsServer = []string{WindowsServer, HyperV}
	macOS         = []string{MacOS}
	ciscoIOS      = []string{CiscoIOS}
	ciscoIOSXE    = []string{CiscoIOSXE}
	ciscoBoth     = []string{CiscoIOS, CiscoIOSXE}
	fortiOS       = []string{FortiOS}
	esxi          = []string{ESXi}
	linux         = []string{LinuxApt, LinuxDnf}
	linuxAndMacOS = []string{LinuxApt, LinuxDnf, MacOS}
)

// notApplicableVendors lists vendors none of whose products run on an
// inventory host, with the reason.
var notApplicableVendors = map[string]string{
	"Android": "the inventory has no Android devices",
}

func windows(software ...string) Rule  { return Rule{Platforms: windowsAll, Software: software} }
func software(names ...string) Rule    { return Rule{Software: names} }
func notApplicable(reason string) Rule { return Rule{NotApplicable: reason} }
func platforms(p []string) Rule        { return Rule{Platforms: p} }

// productRules maps vendor and product, as the catalogue spells them
// after trimming, to a rule. It covers every product of the vendors whose
// systems the inventory has as platforms: catalogue 2025.08.25 lists 65
// Microsoft product names, among them plain "Windows" for 152 entries.
var productRules = map[[2]string]Rule{
	// Microsoft: the operating system and its components. Internet
	// Explorer, MSHTML, WordPad and XML Core Services ship with Windows
	// and are fixed by its cumulative updates.
	{"Microsoft", "Windows"}:                                   windows(),
	{"Microsoft", "Win32k"}:                                    windows(),
	{"Microsoft", "SMBv1"}:                                     windows(),
	{"Microsoft", "SMBv1 server"}:                              windows(),
	{"Microsoft", "SMBv3"}:                                     windows(),
	{"Microsoft", "ATM Font Driver"}:                           windows(),
	{"Microsoft", "Ancillary Function Driver (afd.sys)"}:       windows(),
	{"Microsoft", "Client-Server Run-time Subsystem (CSRSS)"}:  windows(),
	{"Microsoft", "DWM Core Library"}:                          windows(),
	{"Microsoft", "DirectX Graphics Kernel (DXGKRNL)"}:         windows(),
	{"Microsoft", "Enhanced Cryptographic Provider"}:           windows(),
	{"Microsoft", "Graphics Component"}:                        windows(),
	{"Microsoft", "Graphics Device Interface (GDI)"}:           windows(),
	{"Microsoft", "HTTP Protocol Stack"}:                       windows(),
	{"Microsoft", "HTTP.sys"}:                                  windows(),
	{"Microsoft", "Input Method Editor (IME) Japanese"}:        windows(),
	{"Microsoft", "MSHTML"}:                                    windows(),
	{"Microsoft", "Remote Desktop Services"}:                   windows(),
	{"Microsoft", "SmartScreen Prompt"}:                        windows(),
	{"Microsoft", "Streaming Service"}:                         windows(),
	{"Microsoft", "Streaming Service Proxy"}:                   windows(),
	{"Microsoft", "Task Scheduler"}:                            windows(),
	{"Microsoft", "Update Notification Manager"}:               windows(),
	{"Microsoft", "WinVerifyTrust function"}:                   windows(),
	{"Microsoft", "Windows CNG Key Isolation Service"}:         windows(),
	{"Microsoft", "Windows COM+ Event System Service"}:         windows(),
	{"Microsoft", "XML Core Services"}:                         windows(),
	{"Microsoft", "WordPad"}:                                   windows(),
	{"Microsoft", "Office and WordPad"}:                        windows("Microsoft Office"),
	{"Microsoft", "Internet Explorer"}:                         windows(),
	{"Microsoft", "Internet Explorer Scripting Engine"}:        windows(),
	{"Microsoft", "Edge and Internet Explorer"}:                windows("Microsoft Edge"),
	{"Microsoft", "Internet Explorer and Edge"}:                windows("Microsoft Edge"),
	{"Microsoft", "Defender"}:                                  windows(),
	{"Microsoft", "Malware Protection Engine"}:                 windows(),
	{"Microsoft", "Internet Information Services (IIS)"}:       platforms(windowsServer),
	{"Microsoft", "Active Directory"}:                          platforms(windowsServer),
	{"Microsoft", "Kerberos Key Distribution Center (KDC)"}:    platforms(windowsServer),
	{"Microsoft", "Netlogon"}:                                  platforms(windowsServer),
	{"Microsoft", "Hyper-V RemoteFX"}:                          platforms(windowsServer),
	{"Microsoft", ".NET Framework"}:                            windows(),
	{"Microsoft", ".NET Core and Visual Studio"}:               software(".NET", "Visual Studio"),
	{"Microsoft", ".NET Framework, SharePoint, Visual Studio"}: Rule{Platforms: windowsAll, Software: []string{"SharePoint", "Visual Studio"}},
	// Microsoft: applications, found through installed software.
	{"Microsoft", "Edge"}:                                      software("Microsoft Edge"),
	{"Microsoft", "Excel"}:                                     software("Microsoft Excel", "Microsoft Office", "Microsoft 365"),
	{"Microsoft", "Word"}:                                      software("Microsoft Word", "Microsoft Office", "Microsoft 365"),
	{"Microsoft", "PowerPoint"}:                                software("Microsoft PowerPoint", "Microsoft Office", "Microsoft 365"),
	{"Microsoft", "Outlook"}:                                   software("Microsoft Outlook", "Microsoft Office", "Microsoft 365"),
	{"Microsoft", "Office Outlook"}:                            software("Microsoft Outlook", "Microsoft Office", "Microsoft 365"),
	{"Microsoft", "Office"}:                                    software("Microsoft Office", "Microsoft 365"),
	{"Microsoft", "MSCOMCTL.OCX"}:                              software("Microsoft Office", "Microsoft 365"),
	{"Microsoft", "Project"}:                                   software("Microsoft Project"),
	{"Microsoft", "Publisher"}:                                 software("Microsoft Publisher", "Microsoft Office"),
	{"Microsoft", "Exchange"}:                                  software("Exchange Server"),
	{"Microsoft", "Exchange Server"}:                           software("Exchange Server"),
	{"Microsoft", "SharePoint"}:                                software("SharePoint"),
	{"Microsoft", "SharePoint Server"}:                         software("SharePoint"),
	{"Microsoft", "SQL Server"}:                                software("SQL Server"),
	{"Microsoft", "Silverlight"}:                               software("Silverlight"),
	{"Microsoft", "Skype for Business"}:                        software("Skype for Business"),
	{"Microsoft", "Forefront Threat Management Gateway (TMG)"}: software("Forefront Threat Management Gateway"),
	{"Microsoft", "Open Management Infrastructure (OMI)"}:      software("omi"),
	{"Microsoft", "Partner Center"}:                            notApplicable("Partner Center is a Microsoft online service"),
	{"Microsoft", "Power Pages"}:                               notApplicable("Power Pages is a Microsoft online service"),

	// Apple: "Multiple Products" entries can include macOS, so they are
	// mapped to it and reported as possibly exposed.
	{"Apple", "Multiple Products"}:        platforms(macOS),
	{"Apple", "macOS"}:                    platforms(macOS),
	{"Apple", "OS X"}:                     platforms(macOS),
	{"Apple", "iOS and macOS"}:            platforms(macOS),
	{"Apple", "iOS, iPadOS, and macOS"}:   platforms(macOS),
	{"Apple", "iOS, macOS, watchOS"}:      platforms(macOS),
	{"Apple", "iOS"}:                      notApplicable("the inventory has no iOS devices"),
	{"Apple", "iOS and iPadOS"}:           notApplicable("the inventory has no iOS or iPadOS devices"),
	{"Apple", "iOS, iPadOS, and watchOS"}: notApplicable("the inventory has no iOS, iPadOS or watchOS devices"),

	// Cisco: the Catalyst 4500 and 6800 switch entries concern their IOS
	// and IOS XE software.
	{"Cisco", "IOS"}:                                    platforms(ciscoIOS),
	{"Cisco", "IOS Software"}:                           platforms(ciscoIOS),
	{"Cisco", "IOS software"}:                           platforms(ciscoIOS),
	{"Cisco", "IOS XE Software"}:                        platforms(ciscoIOSXE),
	{"Cisco", "IOS XE Web UI"}:                          platforms(ciscoIOSXE),
	{"Cisco", "Cisco IOS XE Web UI"}:                    platforms(ciscoIOSXE),
	{"Cisco", "IOS and IOS XE"}:                         platforms(ciscoBoth),
	{"Cisco", "IOS and IOS XE Software"}:                platforms(ciscoBoth),
	{"Cisco", "IOS Software and Cisco IOS XE Software"}: platforms(ciscoBoth),
	{"Cisco", "IOS, IOS XR, and IOS XE"}:                platforms(ciscoBoth),
	{"Cisco", "IOS, XR, and XE Software"}:               platforms(ciscoBoth),
	{"Cisco", "Catalyst 4500 Series Switches and Cisco Catalyst 4500-X Series Switches"}: platforms(ciscoBoth),
	{"Cisco", "Catalyst 6800 Series Switches"}:                                           platforms(ciscoBoth),
	{"Cisco", "IOS XR"}:                            notApplicable("IOS XR runs carrier routers, not an inventory platform"),
	{"Cisco", "NX-OS"}:                             notApplicable("NX-OS is not an inventory platform"),
	{"Cisco", "Adaptive Security Appliance (ASA)"}: notApplicable("ASA firewalls are not an inventory platform"),
	{"Cisco", "Adaptive Security Appliance (ASA) and Firepower Threat Defense (FTD)"}: notApplicable("ASA and FTD firewalls are not an inventory platform"),
	{"Cisco", "Adaptive Security Appliance and Firepower Threat Defense"}:             notApplicable("ASA and FTD firewalls are not an inventory platform"),
	{"Cisco", "AnyConnect Secure"}:                                                    software("AnyConnect", "Cisco Secure Client"),
	{"Cisco", "Cisco IP Phones"}:                                                      notApplicable("IP phones are not an inventory platform"),
	{"Cisco", "HyperFlex HX"}:                                                         notApplicable("HyperFlex is not an inventory platform"),
	{"Cisco", "Identity Services Engine"}:                                             notApplicable("ISE appliances are not an inventory platform"),
	{"Cisco", "Prime Data Center Network Manager (DCNM)"}:                             notApplicable("DCNM is not an inventory platform"),
	{"Cisco", "RV Series Routers"}:                                                    notApplicable("RV small business routers are not an inventory platform"),
	{"Cisco", "Small Business RV Series Routers"}:                                     notApplicable("RV small business routers are not an inventory platform"),
	{"Cisco", "Small Business RV160, RV260, RV340, and RV345 Series Routers"}:         notApplicable("RV small business routers are not an inventory platform"),
	{"Cisco", "Small Business RV320 and RV325 Dual Gigabit WAN VPN Routers"}:          notApplicable("RV small business routers are not an inventory platform"),
	{"Cisco", "Small Business RV320 and RV325 Routers"}:                               notApplicable("RV small business routers are not an inventory platform"),
	{"Cisco", "VPN Routers"}:                                                          notApplicable("RV small business routers are not an inventory platform"),
	{"Cisco", "Secure Access Control System (ACS)"}:                                   notApplicable("ACS is not an inventory platform"),
	{"Cisco", "Smart Licensing Utility"}:                                              software("Smart Licensing Utility"),

	// Fortinet: "Multiple Products" entries can include FortiOS.
	{"Fortinet", "FortiOS"}:                        platforms(fortiOS),
	{"Fortinet", "FortiOS and FortiADC"}:           platforms(fortiOS),
	{"Fortinet", "FortiOS and FortiProxy"}:         platforms(fortiOS),
	{"Fortinet", "FortiOS and FortiProxy SSL-VPN"}: platforms(fortiOS),
	{"Fortinet", "Multiple Products"}:              platforms(fortiOS),
	{"Fortinet", "FortiClient EMS"}:                software("FortiClient EMS"),
	{"Fortinet", "FortiManager"}:                   notApplicable("FortiManager is not an inventory platform"),
	{"Fortinet", "FortiWeb"}:                       notApplicable("FortiWeb is not an inventory platform"),

	// VMware: vCenter Server is an appliance, not an inventory platform.
	{"VMware", "ESXi"}:                                      platforms(esxi),
	{"VMware", "ESXi and Workstation"}:                      Rule{Platforms: esxi, Software: []string{"VMware Workstation"}},
	{"VMware", "ESXi, Workstation, and Fusion"}:             Rule{Platforms: esxi, Software: []string{"VMware Workstation", "VMware Fusion"}},
	{"VMware", "VMware ESXi and Horizon DaaS"}:              platforms(esxi),
	{"VMware", "Multiple Products"}:                         platforms(esxi),
	{"VMware", "Tools"}:                                     software("VMware Tools"),
	{"VMware", "vCenter Server"}:                            notApplicable("vCenter Server is an appliance, not an inventory platform"),
	{"VMware", "vCenter Server and Cloud Foundation"}:       notApplicable("vCenter Server is an appliance, not an inventory platform"),
	{"VMware", "Aria Operations for Networks"}:              notApplicable("Aria Operations is an appliance, not an inventory platform"),
	{"VMware", "SD-WAN Edge"}:                               notApplicable("SD-WAN Edge is not an inventory platform"),
	{"VMware", "Spring Cloud Gateway"}:                      software("Spring Cloud Gateway"),
	{"VMware", "Spring Framework"}:                          software("Spring Framework"),
	{"VMware", "Workspace ONE Access and Identity Manager"}: notApplicable("Workspace ONE Access is an appliance, not an inventory platform"),
	{"VMware", "vRealize Operations Manager API"}:           notApplicable("vRealize Operations is an appliance, not an inventory platform"),

	// Linux and its common user space.
	{"Linux", "Kernel"}:                  platforms(linux),
	{"Red Hat", "Polkit"}:                platforms(linux),
	{"GNU", "Bourne-Again Shell (Bash)"}: platforms(linuxAndMacOS),
	{"GNU", "GNU C Library"}:             platforms(linux),
	{"Sudo", "Sudo"}:                     platforms(linuxAndMacOS),

	// Ubiquiti: airOS runs airMAX radios, not EdgeRouter or EdgeSwitch.
	{"Ubiquiti", "AirOS"}: notApplicable("airOS runs Ubiquiti airMAX radios, not the inventory's EdgeOS or EdgeSwitch"),
}

// ruleKey normalizes a vendor and product for lookup. The catalogue has
// trailing spaces and mixed case ("IOS software", "IOS Software").
func ruleKey(vendor, product string) [2]string {
	return [2]string{strings.ToLower(strings.TrimSpace(vendor)), strings.ToLower(strings.TrimSpace(product))}
}

var normalizedRules = func() map[[2]string]Rule {
	rules := make(map[[2]string]Rule, len(productRules)+len(googleRules))
	for k, r := range productRules {
		rules[ruleKey(k[0], k[1])] = r
	}
	for product, r := range googleRules {
		rules[ruleKey("Google", product)] = r
	}
	for vendor, reason := range notApplicableVendors {
		rules[ruleKey(vendor, "*")] = notApplicable(reason)
	}
	return rules
}()

// Lookup returns the rule for a catalogue vendor and product, and whether
// one exists. Products of the vendors in productRules need their own row,
// vendors in notApplicableVendors need none, and every vendor listed in
// softwareVendors is matched by its product name against installed
// software.
func Lookup(vendor, product string) (Rule, bool) {
	if r, ok := normalizedRules[ruleKey(vendor, product)]; ok {
		return r, true
	}
	if r, ok := normalizedRules[ruleKey(vendor, "*")]; ok {
		return r, true
	}
	if names, ok := softwareVendorSet[strings.ToLower(strings.TrimSpace(vendor))]; ok {
		if len(names) == 0 {
			names = []string{strings.TrimSpace(product)}
		}
		return Rule{Software: names}, true
	}
	return Rule{}, false
}
