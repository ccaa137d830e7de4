"""Jobs: one step's lifecycle, progress, the job kinds (platforms/), creators and emails."""
