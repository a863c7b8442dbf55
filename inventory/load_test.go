package inventory

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// testNow is the instant every loader test judges dates against.
var testNow = time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)

// baseSite is a valid site that the cases below extend or break.
const baseSite = `sites:
  - id: ent
    time_zone: America/New_York
    windows: ["mon-fri 22:00-05:00"]
    owner: Dana
`

func parseOne(t *testing.T, src string) (*Inventory, []string) {
	t.Helper()
	inv, err := Parse([]SourceFile{{Name: "inv.yaml", Data: []byte(src)}}, Options{Now: testNow})
	if err == nil {
		return inv, nil
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Parse returned %T %v, want *LoadError", err, err)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error does not wrap ErrInvalid")
	}
	var lines []string
	for _, p := range le.Problems {
		lines = append(lines, p.String())
	}
	return nil, lines
}

func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown key", baseSite + "    windws: []\n", []string{
			`inv.yaml:6:5: unknown key "windws" in site: valid keys are id, name, time_zone, windows, owner, contacts, gateway, concurrency, hosts, devices, exceptions`,
		}},
		{"duplicate key", baseSite + "    owner: Sam\n", []string{
			`inv.yaml:6:5: duplicate key "owner" in site (first at line 5): keep one of them`,
		}},
		{"tab indentation", "sites:\n\t- id: ent\n\t  name: x\n", []string{
			`inv.yaml:2:1: tab in indentation: YAML indents with spaces only; replace the tab with spaces`,
			`inv.yaml:3:1: tab in indentation: YAML indents with spaces only; replace the tab with spaces`,
		}},
		{"syntax error", "sites: [\n", []string{
			`inv.yaml:1:8: invalid YAML: sequence end token ']' not found`,
		}},
		{"empty list item", "sites:\n  -\n", []string{
			`inv.yaml:2:5: sites: empty list item: remove the "-" or write the item after it`,
		}},
		{"empty site mapping", "sites:\n  - {}\n", []string{
			`inv.yaml:2:5: site: missing id: add "id: ..."`,
			`inv.yaml:2:5: site: missing time_zone: add "time_zone: ..."`,
			`inv.yaml:2:5: site  has no maintenance window: add windows: ["mon-fri 22:00-05:00"]`,
		}},
		{"wrong type list", baseSite + "    contacts: nobody\n", []string{
			`inv.yaml:6:15: contacts: expected a list, found "nobody": write the items as "- item" lines or [a, b]`,
		}},
		{"wrong type number", baseSite + "    concurrency: four\n", []string{
			`inv.yaml:6:18: concurrency: "four" is not a whole number: write digits without quotes, for example 1`,
		}},
		{"octal number", baseSite + "    concurrency: 0755\n", []string{
			`inv.yaml:6:18: concurrency: 0755 has a leading zero, which YAML reads as an octal number: write it without the zero`,
		}},
		{"yaml 1.1 boolean", strings.Replace(baseSite, "owner: Dana", "owner: NO", 1), []string{
			`inv.yaml:5:12: owner: unquoted NO is read as a boolean by YAML 1.1 tools: quote it as "NO"`,
		}},
		{"boolean in text", strings.Replace(baseSite, "owner: Dana", "owner: true", 1), []string{
			`inv.yaml:5:12: owner: true is read as a boolean: quote it as "true" if you mean the text`,
		}},
		{"invalid time zone", strings.Replace(baseSite, "America/New_York", "America/Springfield", 1), []string{
			`inv.yaml:3:16: time_zone: "America/Springfield" is not an IANA time zone: use a name such as America/New_York or Europe/London`,
		}},
		{"empty window", strings.Replace(baseSite, "22:00-05:00", "22:00-22:00", 1), []string{
			`inv.yaml:4:15: windows: empty window "mon-fri 22:00-22:00": the start and end are both 22:00; give different times`,
		}},
		{"malformed window", strings.Replace(baseSite, "mon-fri 22:00-05:00", "weekdays 10pm", 1), []string{
			`inv.yaml:4:15: windows: invalid window "weekdays 10pm": write days and times, for example "mon-fri 22:00-05:00"`,
		}},
		{"no window", strings.Replace(baseSite, `["mon-fri 22:00-05:00"]`, "[]", 1), []string{
			`inv.yaml:2:5: site ent has no maintenance window: add windows: ["mon-fri 22:00-05:00"]`,
		}},
		{"unknown ring", baseSite + hostYAML("{user: u, credential: c}", "ring: canary"), []string{
			`inv.yaml:11:15: host ws1: unknown ring "canary": use one of test, production`,
		}},
		{"unknown credential", baseSite + hostYAML("{user: u, credential: hunter2}", ""), []string{
			`inv.yaml:10:42: host ws1 transport: unknown credential "hunter2": add it under credentials (env, file, agent or command), or use one of c`,
		}},
		{"literal password", baseSite + hostYAML("{user: u, password: hunter2}", ""), []string{
			`inv.yaml:10:21: host ws1 transport: missing credential: WinRM needs a password reference, add "credential: NAME"`,
			`inv.yaml:10:30: literal secret "password" in transport: the inventory holds only references; put the secret in an environment variable, a mode 0600 file or a password manager, add it under credentials (env, file, agent or command) and set credential: NAME`,
		}},
		{"device with credential", baseSite + "    devices:\n      - name: audiometer\n        model: AD-240\n        credential: vendor\n", []string{
			`inv.yaml:9:9: medical device cannot carry "credential": patchbay never connects to medical devices, their patches go through the vendor; remove the key`,
		}},
		{"unknown site", baseSite + "hosts:\n  - name: ws1\n    site: ortho\n    address: 192.0.2.5\n    platform: linux-apt\n", []string{
			`inv.yaml:8:11: host ws1: unknown site "ortho": use one of ent`,
		}},
		{"unknown platform", baseSite + "    hosts:\n      - {name: ws1, address: 192.0.2.5, platform: windows-xp}\n", []string{
			`inv.yaml:7:51: platform: unknown platform "windows-xp": use one of windows, windows-server, hyperv, macos, linux-apt, linux-dnf, esxi, cisco-ios, cisco-iosxe, fortios, edgeos, edgeswitch`,
		}},
		{"unknown exception", baseSite + hostYAML("{user: u, credential: c}", "exception: legacy-app"), []string{
			`inv.yaml:11:20: host ws1: unknown exception "legacy-app": define it under exceptions, or use one of the defined ones (none is defined)`,
		}},
		{"exception and ring", baseSite + hostYAML("{user: u, credential: c}", "ring: production") + exceptionYAML("2027-03-01"), []string{
			`inv.yaml:7:9: host ws1 is in ring production and under exception legacy at once: remove its ring (excepted hosts are never patched), or remove it from the exception`,
		}},
		{"review dates out of order", baseSite + hostYAML("{user: u, credential: c}", "") + exceptionYAML("2026-01-01"), []string{
			`inv.yaml:22:16: exception legacy: review_by 2026-01-01 is before approved 2026-09-01: set a review date after the approval`,
		}},
		{"medical device in exception", baseSite + "    devices: [{name: audiometer, model: AD-240}]\n" +
			"exceptions:\n  - {id: x, hosts: [audiometer], reason: r, controls: [vlan], owner: o, approved: 2026-01-01, review_by: 2027-01-01}\n", []string{
			`inv.yaml:8:21: exception x: audiometer is a medical device, which patchbay never changes: remove it from the exception`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, got := parseOne(t, tc.src)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// hostYAML returns a hosts list with one Windows host, ws1, with the given
// transport and an extra line at the host's indentation, and a credential c.
func hostYAML(transport, extra string) string {
	return "    hosts:\n      - name: ws1\n        address: 192.0.2.5\n        platform: windows\n" +
		"        transport: " + transport + "\n        " + extra + "\n" +
		"credentials:\n  - name: c\n    env: C\n"
}

// exceptionYAML returns an exceptions list covering ws1, approved on
// 2026-09-01 and due for review on reviewBy.
func exceptionYAML(reviewBy string) string {
	return "exceptions:\n  - id: legacy\n    hosts: [ws1]\n    reason: certified on one build\n" +
		"    controls: [VLAN 40]\n    owner: Dana\n    approved: 2026-09-01\n    review_by: " + reviewBy + "\n"
}

func TestLoadWarnsOverdueReview(t *testing.T) {
	inv, problems := parseOne(t, baseSite+hostYAML("{user: u, credential: c}", "")+exceptionYAML("2026-12-01"))
	if problems != nil {
		t.Fatalf("Parse failed:\n%s", strings.Join(problems, "\n"))
	}
	want := `inv.yaml:22:16: warning: exception legacy: review was due on 2026-12-01: review it with its owner and set a new review_by date`
	if len(inv.Warnings) != 1 || inv.Warnings[0].String() != want {
		t.Errorf("warnings = %v, want [%s]", inv.Warnings, want)
	}
	if got := inv.Host("ws1").Ring; got != "" {
		t.Errorf("excepted host ring = %q, want none", got)
	}
}

func TestLoadDuplicateHostAcrossFiles(t *testing.T) {
	second := "hosts:\n  - {name: ws1, site: ent, address: 192.0.2.6, platform: linux-apt}\n"
	_, err := Parse([]SourceFile{
		{Name: "ent.yaml", Data: []byte(baseSite + hostYAML("{user: u, credential: c}", ""))},
		{Name: "more.yaml", Data: []byte(second)},
	}, Options{Now: testNow})
	want := `more.yaml:2:12: duplicate host name "ws1" (first defined at ent.yaml:7:15): host and device names must be unique across all files`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %s", err, want)
	}
}

func TestLoadKeepsTypedText(t *testing.T) {
	src := baseSite + "    devices:\n      - {name: d1, model: m, firmware: 7.10}\n      - {name: d2, model: m, firmware: 02134}\n      - {name: d3, model: m, firmware: 0755}\n"
	inv, problems := parseOne(t, src)
	if problems != nil {
		t.Fatalf("Parse failed:\n%s", strings.Join(problems, "\n"))
	}
	for i, want := range []string{"7.10", "02134", "0755"} {
		if got := inv.Devices[i].Firmware; got != want {
			t.Errorf("device %d firmware = %q, want %q", i, got, want)
		}
	}
}

func TestLoadRejectsReferences(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string
	}{
		{"unknown gateway", strings.Replace(baseSite, "    owner: Dana\n", "    owner: Dana\n    gateway: jump\n", 1),
			`inv.yaml:2:5: site ent: gateway "jump" is not a host: add it to the site's hosts`},
		{"hypervisor of wrong platform", baseSite + "    hosts:\n      - {name: hv, address: 192.0.2.1, platform: linux-apt}\n" +
			"      - {name: vm, address: 192.0.2.2, platform: linux-apt, hypervisor: hv}\n",
			`inv.yaml:8:10: host vm: hypervisor hv has platform linux-apt: use an esxi or hyperv host`},
		{"two credential kinds", "credentials:\n  - {name: c, env: PW, file: /etc/pw}\n",
			`inv.yaml:2:6: credential c: set exactly one of env, file, agent or command (found 2)`},
		{"hold scope unknown site", "holds:\n  - {id: h, kb: KB5034441, reason: r, source: s, scope: site:ortho, recheck: 2027-01-01}\n",
			`inv.yaml:2:57: hold h: scope: unknown site "ortho": use one of the sites under "sites:" (none is defined)`},
		{"malformed KB", "holds:\n  - {id: h, kb: 5034441, reason: r, source: s, scope: all, recheck: 2027-01-01}\n",
			`inv.yaml:2:17: hold h: kb: "5034441" is not a KB number: write it as KB followed by digits, for example KB5034441`},
		{"defer without reason", "reboot_policies:\n  - {name: p, mode: defer, tags: [x]}\n",
			`inv.yaml:2:21: reboot policy p: mode defer needs defer_apps or defer_user_logged_on: say what defers the reboot`},
		{"winrm on linux", baseSite + "    hosts:\n      - {name: l, address: 192.0.2.1, platform: linux-dnf, transport: {kind: winrm}}\n",
			`inv.yaml:7:78: host l transport: platform linux-dnf has no WinRM service: use kind: ssh`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, got := parseOne(t, tc.src)
			if len(got) == 0 || got[0] != tc.want {
				t.Errorf("problems:\n%s\nwant first:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

// manyHostsYAML returns baseSite with one-line hosts until the text is
// longer than size bytes.
func manyHostsYAML(size int) string {
	var src strings.Builder
	src.WriteString(baseSite + "    hosts:\n")
	for i := 0; src.Len() <= size; i++ {
		fmt.Fprintf(&src, "      - {name: h%d, address: 192.0.2.5, platform: linux-apt}\n", i)
	}
	return src.String()
}

func TestLoadRejectsHugeFile(t *testing.T) {
	_, got := parseOne(t, manyHostsYAML(maxFileBytes))
	if len(got) != 1 {
		t.Fatalf("got %d problems, want 1: %.500s", len(got), strings.Join(got, "\n"))
	}
	if !strings.Contains(got[0], "more than the limit") {
		t.Errorf("problem = %s, want the size limit", got[0])
	}
}

// A host line holds about 8 values and 60 bytes, so 4 MB of hosts exceed
// maxNodes while staying under maxFileBytes.
func TestLoadNodeLimitReportsOnce(t *testing.T) {
	_, got := parseOne(t, manyHostsYAML(4<<20))
	if len(got) != 1 {
		t.Fatalf("got %d problems, want 1: %.500s", len(got), strings.Join(got, "\n"))
	}
	if !strings.Contains(got[0], "more than 200000 values") {
		t.Errorf("problem = %s, want the value limit", got[0])
	}
}
