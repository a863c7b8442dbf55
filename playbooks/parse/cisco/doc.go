// Package cisco parses what Cisco IOS and IOS-XE devices print during a
// firmware upgrade:
//
//   - ParseShowVersion: `show version` on IOS (12.2, 15.x) and IOS-XE
//     (3.x, 16.x, 17.x), including stack member tables.
//   - ParseShowBoot: `show boot` in the classic "BOOT path-list" form and
//     the IOS-XE "BOOT variable =" form, telling bundle mode from install
//     mode.
//   - ParseInstall: `install add file ... activate commit` on IOS-XE, its
//     SUCCESS and FAILED markers, and the insufficient-space failure.
//   - ParseDirFree: the "bytes total (... bytes free)" line of `dir flash:`.
//   - ParseVerify: `verify /md5` and `verify /sha512` with or without an
//     expected digest.
package cisco
