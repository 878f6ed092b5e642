# What a distribution package installs besides the binary: man pages,
# shell completions in each shell's vendor directory, the kernel-install plugin, the
# example configuration and the guides in the doc directory (never in /etc: the file is
# the administrator's). Paths follow GNUInstallDirs, so --prefix and DESTDIR work.
install(FILES docs/man/kdump-setup.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES docs/man/kdump-setup.toml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

install(FILES completions/kdump-setup.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME kdump-setup)
install(FILES completions/zsh/_kdump-setup DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES completions/kdump-setup.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# kernel-install(8) reads plugins from /usr/lib/kernel/install.d: "lib", not the
# multiarch libdir.
set(KDUMP_KERNEL_INSTALL_DIR "lib/kernel/install.d" CACHE STRING
    "Where kernel-install plugins go, relative to the prefix")
install(PROGRAMS kernel-install/95-kdump-setup.install DESTINATION ${KDUMP_KERNEL_INSTALL_DIR})

install(FILES docs/kdump-setup.toml.example docs/first-setup.md docs/image-builds.md
              docs/package-scripts.md docs/fleet.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
