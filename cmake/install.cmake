# Installing rigc: the binary, the bash, zsh and fish completions and the manual
# page (generated at build time from the binary's own command-line definition,
# cmake/generate_docs.cmake), and a Debian package of them with CPack.
#   cmake --install build [--prefix /usr/local]
#   cpack --config build/CPackConfig.cmake      (tools/release.sh does this)
include(GNUInstallDirs)

set(RIGC_DOCS_DIR ${PROJECT_BINARY_DIR}/cli-docs)
find_program(RIGC_GZIP gzip)
set(RIGC_MAN_PAGE ${RIGC_DOCS_DIR}/rigc.1.gz)
if(NOT RIGC_GZIP)
  set(RIGC_MAN_PAGE ${RIGC_DOCS_DIR}/rigc.1)
endif()
add_custom_command(
  OUTPUT ${RIGC_DOCS_DIR}/rigc.bash ${RIGC_DOCS_DIR}/_rigc ${RIGC_DOCS_DIR}/rigc.fish
         ${RIGC_DOCS_DIR}/rigc.1 ${RIGC_MAN_PAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${RIGC_DOCS_DIR}
  COMMAND ${CMAKE_COMMAND} -DRIGC=$<TARGET_FILE:rigc> -DDIR=${RIGC_DOCS_DIR}
          -P ${PROJECT_SOURCE_DIR}/cmake/generate_docs.cmake
  DEPENDS rigc ${PROJECT_SOURCE_DIR}/cmake/generate_docs.cmake
  COMMENT "Generating the completions and the manual page"
  VERBATIM)
add_custom_target(rigc_cli_docs ALL DEPENDS ${RIGC_DOCS_DIR}/rigc.bash ${RIGC_MAN_PAGE})

# Where each shell looks (as Debian's bash-completion, zsh and fish packages set
# them up): bash-completion and fish read DATADIR under any prefix of
# XDG_DATA_DIRS; zsh reads share/zsh/vendor-completions under /usr and
# share/zsh/site-functions under /usr/local. The zsh directory is chosen when
# installing, for the prefix installed to (cpack installs to /usr).
set(RIGC_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "where the bash completion is installed, under the prefix")
set(RIGC_FISH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d"
    CACHE STRING "where the fish completion is installed, under the prefix")
set(RIGC_ZSH_COMPLETION_DIR "" CACHE STRING
    "where the zsh completion is installed, under the prefix (default: vendor-completions under /usr, site-functions elsewhere)")

install(TARGETS rigc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${RIGC_DOCS_DIR}/rigc.bash DESTINATION ${RIGC_BASH_COMPLETION_DIR} RENAME rigc)
install(FILES ${RIGC_DOCS_DIR}/rigc.fish DESTINATION ${RIGC_FISH_COMPLETION_DIR})
install(FILES ${RIGC_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(CODE "
  set(zsh_dir \"${RIGC_ZSH_COMPLETION_DIR}\")
  if(NOT zsh_dir)
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(zsh_dir \"${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions\")
    else()
      set(zsh_dir \"${CMAKE_INSTALL_DATADIR}/zsh/site-functions\")
    endif()
  endif()
  file(INSTALL \"${RIGC_DOCS_DIR}/_rigc\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/\${zsh_dir}\")
")

# The Debian package. With RIGC_STATIC_LIBS (the default) rigc needs only the C
# library, and dpkg-shlibdeps says so: Depends: libc6 (>= …). `rigc pin` opens
# libcurl at run time (src/http.cpp, dlopen), which dpkg-shlibdeps cannot see: a
# recommendation, so apt installs it by default and every other command runs
# without it.
set(RIGC_PACKAGE_MAINTAINER "rigc maintainers <rigc@invalid>"
    CACHE STRING "the Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rigc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "compiles Rig specs into Dockerfiles, Compose, Bake and GitHub Actions files")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "rigc compiles a small declarative language, Rig, that describes container
images (above all self-hosted GitHub Actions runners) into optimized multi-stage
Dockerfiles, .dockerignore files, a Compose file, a Bake file, a GitHub Actions
workflow, runs-on labels and a runner entrypoint.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${RIGC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS libcurl4)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
