package msrc

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<cvrfdoc><DocumentTracking><Identification><ID>X</ID></Identification>` +
		`<InitialReleaseDate>2024-02-13T08:00:00</InitialReleaseDate><CurrentReleaseDate>2024-02-10T00:00:00</CurrentReleaseDate>` +
		`</DocumentTracking><ProductTree><FullProductName ProductID="1">P</FullProductName></ProductTree>` +
		`<Vulnerability><CVE>CVE-2024-1</CVE><Remediations><Remediation Type="Vendor Fix"><Description>5034763</Description>` +
		`<ProductID>1</ProductID><FixedBuild>10.0.1.2</FixedBuild></Remediation></Remediations></Vulnerability></cvrfdoc>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(bytes.NewReader(data))
		if (doc == nil) == (err == nil) {
			t.Fatalf("Parse returned document %v with error %v, want exactly one", doc != nil, err)
		}
	})
}
