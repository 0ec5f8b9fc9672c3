"""A throwaway OpenLDAP server (slapd, Debian package) for the LDAP login tests: its own config and database
in a temporary folder, on a free loopback port, started once per test session."""

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SUFFIX = "dc=example,dc=gov,dc=cn"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "ldap-admin-pass"  # noqa: S105 - a throwaway test server
PASSWORD = "ldap-pass"  # noqa: S105
# uid -> mail of the directory's people
PEOPLE = {
    "ldap_region": "ldap_region@example.gov.cn",
    "ldap_mail_only": "ldap_by_mail@example.gov.cn",
    "ldap_unknown": "ldap_nobody@example.gov.cn",
}


@dataclass
class Directory:
    uri: str
    suffix: str = SUFFIX
    root_dn: str = ROOT_DN
    root_password: str = ROOT_PASSWORD
    password: str = PASSWORD


def available():
    return shutil.which("slapd") is not None or Path("/usr/sbin/slapd").exists()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ldif():
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: 测试统一身份认证\n",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
    ]
    for uid, mail in PEOPLE.items():
        entries.append(
            f"dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
            f"mail: {mail}\nuserPassword: {PASSWORD}\n"
        )
    return "\n".join(entries)


@contextlib.contextmanager
def running(tmp_dir):
    tmp = Path(tmp_dir)
    (tmp / "db").mkdir()
    conf = tmp / "slapd.conf"
    conf.write_text(
        "include /etc/ldap/schema/core.schema\n"
        "include /etc/ldap/schema/cosine.schema\n"
        "include /etc/ldap/schema/inetorgperson.schema\n"
        f"pidfile {tmp / 'slapd.pid'}\n"
        f"argsfile {tmp / 'slapd.args'}\n"
        "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f'database mdb\nmaxsize 10485760\nsuffix "{SUFFIX}"\nrootdn "{ROOT_DN}"\nrootpw {ROOT_PASSWORD}\n'
        f"directory {tmp / 'db'}\n"
    )
    (tmp / "people.ldif").write_text(_ldif())
    slapd = shutil.which("slapd") or "/usr/sbin/slapd"
    subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("slapadd") or "/usr/sbin/slapadd", "-f", str(conf), "-l", str(tmp / "people.ldif")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}/"
    log = open(tmp / "slapd.log", "wb")  # noqa: SIM115 - closed below
    # -d 0: stay in the foreground (so that terminating this process stops the server)
    proc = subprocess.Popen(
        [slapd, "-d", "0", "-f", str(conf), "-h", uri], stdout=log, stderr=subprocess.STDOUT
    )  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(  # noqa: S603
                ["/usr/bin/ldapsearch", "-x", "-H", uri, "-b", SUFFIX, "-s", "base", "(objectClass=*)"],
                capture_output=True, timeout=10,
            )  # fmt: skip
            if probe.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("slapd did not start:\n" + (tmp / "slapd.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield Directory(uri=uri)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
