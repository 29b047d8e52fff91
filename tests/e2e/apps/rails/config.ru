# Stand-in application for the end-to-end suite.
run ->(_env) { [200, { "content-type" => "text/plain" }, ["ok\n"]] }
