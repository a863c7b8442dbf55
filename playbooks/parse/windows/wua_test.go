package windows

import "testing"

func TestDecodeHRESULTTransient(t *testing.T) {
	for _, code := range []uint32{0x8024402C, 0x80244022, 0x80244023, 0x8024001F, 0x80072EE7} {
		decoded := DecodeHRESULT(code)
		if !decoded.Known || !decoded.Transient {
			t.Errorf("0x%08X: %+v, want known and transient", code, decoded)
		}
	}
	if got := DecodeHRESULT(0x8024402C).Symbol; got != "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED" {
		t.Errorf("0x8024402C symbol = %q", got)
	}
}

func TestDecodeHRESULTPermanent(t *testing.T) {
	decoded := DecodeHRESULT(0x80240022)
	if decoded.Symbol != "WU_E_ALL_UPDATES_FAILED" || decoded.Transient {
		t.Errorf("0x80240022 = %+v", decoded)
	}
	if DecodeHRESULT(0x00240005).Symbol != "WU_S_REBOOT_REQUIRED" {
		t.Errorf("0x00240005 = %+v", DecodeHRESULT(0x00240005))
	}
	if DecodeHRESULT(0x80240016).Symbol != "WU_E_INSTALL_NOT_ALLOWED" {
		t.Errorf("0x80240016 = %+v", DecodeHRESULT(0x80240016))
	}
	if len(hresults) != 273 {
		t.Errorf("embedded table has %d codes, want 273", len(hresults))
	}
}

func TestDecodeHRESULTUnknown(t *testing.T) {
	decoded := DecodeHRESULT(0x80004005)
	if decoded.Known || decoded.Error() != "unknown result code 0x80004005" {
		t.Errorf("unknown code = %+v, %q", decoded, decoded.Error())
	}
}

func TestParseHRESULTForms(t *testing.T) {
	for _, text := range []string{"0x8024402C", "8024402c", "-2145107924"} {
		code, err := ParseHRESULT(text)
		if err != nil || code != 0x8024402C {
			t.Errorf("ParseHRESULT(%q) = 0x%08X, %v", text, code, err)
		}
	}
	if _, err := ParseHRESULT("0xZZ"); err == nil {
		t.Error("ParseHRESULT(0xZZ) returned no error")
	}
}

func TestOperationResultTable(t *testing.T) {
	symbol, meaning, ok := OperationResult(2)
	if !ok || symbol != "orcSucceeded" || meaning != "Succeeded" {
		t.Errorf("code 2 = %q, %q, %v", symbol, meaning, ok)
	}
	if symbol, _, _ := OperationResult(3); symbol != "orcSucceededWithErrors" {
		t.Errorf("code 3 symbol = %q", symbol)
	}
	if _, _, ok := OperationResult(9); ok {
		t.Error("code 9 reported as known")
	}
	if !SucceededWithErrors.Success() || Failed.Success() || Aborted.String() != "Aborted" {
		t.Error("Success or String disagree with the table")
	}
}

func FuzzParseCodesAndBuilds(f *testing.F) {
	f.Add("0x8024402C")
	f.Add("-2145107924")
	f.Add("10.0.19045.4045")
	f.Add("    UBR    REG_DWORD    0xfcd\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		if code, err := ParseHRESULT(text); err == nil {
			_ = DecodeHRESULT(code).Error()
		}
		if build, err := ParseBuild(text); err == nil && build.Compare(build) != 0 {
			t.Errorf("%v does not equal itself", build)
		}
		_, _ = ParseUBR(text)
	})
}
