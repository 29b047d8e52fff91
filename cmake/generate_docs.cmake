# Writes what `rigc` says about its own command line into DIR: the bash, zsh and
# fish completions and the manual page (and rigc.1.gz when gzip is there), run at
# build time with the rigc just built, so that installs and packages carry the
# same text as `rigc completion SHELL` and `rigc man`.
#   cmake -DRIGC=path/to/rigc -DDIR=out -P generate_docs.cmake
foreach(pair "bash;rigc.bash" "zsh;_rigc" "fish;rigc.fish")
  list(GET pair 0 shell)
  list(GET pair 1 file)
  execute_process(COMMAND "${RIGC}" completion ${shell} OUTPUT_FILE "${DIR}/${file}"
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "rigc completion ${shell} failed (${status})")
  endif()
endforeach()
execute_process(COMMAND "${RIGC}" man OUTPUT_FILE "${DIR}/rigc.1" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "rigc man failed (${status})")
endif()
find_program(GZIP gzip)
if(GZIP)
  # -n: no name or time stamp, so the package is the same at every build.
  execute_process(COMMAND "${GZIP}" -9n -c "${DIR}/rigc.1" OUTPUT_FILE "${DIR}/rigc.1.gz"
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip failed (${status})")
  endif()
endif()
