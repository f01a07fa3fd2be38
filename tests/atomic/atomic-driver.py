#!/usr/bin/python3
"""Drive atomic's own SystemContainers code ($SC_ATOMIC_SRC/Atomic/syscontainers.py,
a checkout of projectatomic/atomic) under a root instead of the host's /:
see README.md.

  atomic-driver.py render    ROOT NAME IMAGE [K=V...]   atomic's --prefix rendering
  atomic-driver.py install   ROOT NAME IMAGE [K=V...]
  atomic-driver.py update    ROOT NAME [K=V...]
  atomic-driver.py rollback  ROOT NAME
  atomic-driver.py uninstall ROOT NAME

IMAGE is NAME:TAG in the OSTree repository $ATOMIC_OSTREE_REPO; $ATOMIC_CONF
names atomic's configuration file; $SC_ATOMIC_SRC is the atomic checkout."""
import os
import sys
import types

sys.dont_write_bytecode = True  # nothing written into the source tree
CONTAINERS = "var/lib/containers/atomic"


def load_atomic():
    src = os.environ.get("SC_ATOMIC_SRC")
    if not src or not os.path.isfile(os.path.join(src, "Atomic", "syscontainers.py")):
        sys.exit("atomic-driver.py: set SC_ATOMIC_SRC to a checkout of projectatomic/atomic "
                 "(tests/atomic/README.md says which commit); it is %r" % src)
    import yaml
    load = yaml.load
    yaml.load = lambda stream, Loader=yaml.SafeLoader: load(stream, Loader)
    for stub in ("docker", "requests"):
        sys.modules.setdefault(stub, types.ModuleType(stub))
    for package, path in (("Atomic", "Atomic"), ("Atomic.backends", "Atomic/backends")):
        module = types.ModuleType(package)
        module.__path__ = [os.path.join(src, path)]
        sys.modules[package] = module
    import Atomic.syscontainers as sc
    # GLib >= 2.70 asserts that g_file_get_child's name is relative, where
    # older GLib accepted atomic's "/content" as "content".
    read = sc.SystemContainers._read_commit_file
    sc.SystemContainers._read_commit_file = staticmethod(
        lambda repo, rev, path: read(repo, rev, path.lstrip("/")))
    return sc


def system_containers(sc, root):
    os.environ["ATOMIC_OSTREE_CHECKOUT_PATH"] = os.path.join(root, CONTAINERS)
    sc.SYSTEMD_UNIT_FILES_DEST = os.path.join(root, "etc/systemd/system")
    sc.SYSTEMD_TMPFILES_DEST = os.path.join(root, "etc/tmpfiles.d")
    for d in (CONTAINERS, "etc/systemd/system", "etc/tmpfiles.d"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    s = sc.SystemContainers()
    s.set_args(types.SimpleNamespace(remote=None, runtime=None, system=True, user=False,
                                     display=False, setvalues=None))
    s._systemctl_command = lambda *args, **kwargs: None
    s._systemd_tmpfiles = lambda *args, **kwargs: None
    s._is_service_active = lambda name: False
    return s


def values(pairs):
    return dict(pair.split("=", 1) for pair in pairs)


def main(argv):
    action, root, name = argv[1], os.path.abspath(argv[2]), argv[3]
    sc = load_atomic()
    s = system_containers(sc, root)
    repo = s._get_ostree_repo()
    install = sc.SystemContainers.CHECKOUT_MODE_INSTALL
    if action == "render":
        destination = os.path.join(root, CONTAINERS, name + ".0")
        s._checkout_wrapper(repo, name, argv[4], 0, install, values=values(argv[5:]),
                            destination=destination, prefix=root)
    elif action == "install":
        s._checkout_wrapper(repo, name, argv[4], 0, install, values=values(argv[5:]))
    elif action == "update":
        s.update_container(name, setvalues=argv[4:] or None)
    elif action == "rollback":
        s.rollback(name)
    elif action == "uninstall":
        s.uninstall(name)
    else:
        sys.exit("unknown action " + action)


if __name__ == "__main__":
    main(sys.argv)
