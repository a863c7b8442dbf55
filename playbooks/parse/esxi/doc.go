// Package esxi parses what VMware ESXi hosts print while they are patched:
//
//   - ParseVersion: `vmware -v` and `vmware -vl`.
//   - ParseProfileGet: `esxcli software profile get`.
//   - ParseProfileList: `esxcli software sources profile list -d DEPOT`.
//   - ParseUpdateResult: `esxcli software profile update` and `esxcli
//     software vib update` result blocks ("Update Result" or
//     "Installation Result").
//   - ParseVMs: `vim-cmd vmsvc/getallvms`.
//   - ParsePowerState: `vim-cmd vmsvc/power.getstate VMID`.
//   - ParseMaintenanceMode: `esxcli system maintenanceMode get`.
package esxi
