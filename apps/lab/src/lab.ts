console.error('pagewright lab: experiments arrive with the lab issue');
process.exit(2);
